// Package provider is the Switchyard Terraform provider: the provider block
// (how to reach one machine over SSH), and one file per resource and data
// source. It holds no HAProxy logic: every object is read and written by the
// agent on the machine, through internal/sshconn.
package provider

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/sshconn"
)

// Environment variables read when the provider block leaves an attribute
// out, so that CI can point the same configuration at another machine.
const (
	envHost                  = "SWITCHYARD_HOST"
	envPort                  = "SWITCHYARD_PORT"
	envUser                  = "SWITCHYARD_USER"
	envPrivateKey            = "SWITCHYARD_PRIVATE_KEY"
	envPrivateKeyFile        = "SWITCHYARD_PRIVATE_KEY_FILE"
	envHostKey               = "SWITCHYARD_HOST_KEY"
	envKnownHostsFile        = "SWITCHYARD_KNOWN_HOSTS_FILE"
	envInsecureIgnoreHostKey = "SWITCHYARD_INSECURE_IGNORE_HOST_KEY"
	envSudo                  = "SWITCHYARD_SUDO"
)

// caller is all a resource needs from a machine: one agent call. Resources
// hold this rather than *sshconn.Machine so unit tests can stand in for the
// machine.
type caller interface {
	Call(ctx context.Context, method string, params, result any) error
}

var (
	_ provider.Provider = (*switchyardProvider)(nil)
	_ caller            = (*sshconn.Machine)(nil)
)

// switchyardProvider is one provider block, which is one machine.
type switchyardProvider struct {
	version string
}

// New returns the provider factory that providerserver serves.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &switchyardProvider{version: version}
	}
}

func (p *switchyardProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "switchyard"
	resp.Version = p.version
}

func (p *switchyardProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = providerSchema()
}

func (p *switchyardProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewHAProxyResource,
		NewBackendResource,
		NewFrontendResource,
		NewUserlistResource,
		NewMapResource,
		NewCacheResource,
		NewMapEntryResource,
		NewCertificateResource,
		NewNamespaceResource,
		NewServiceResource,
	}
}

func (p *switchyardProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{NewHostDataSource, NewInventoryDataSource}
}

// providerModel is the provider block. Nested blocks are types.Object rather
// than struct pointers because a plan may leave them unknown.
type providerModel struct {
	Host                  types.String `tfsdk:"host"`
	Port                  types.Int64  `tfsdk:"port"`
	User                  types.String `tfsdk:"user"`
	PrivateKey            types.String `tfsdk:"private_key"`
	PrivateKeyFile        types.String `tfsdk:"private_key_file"`
	Agent                 types.Bool   `tfsdk:"agent"`
	HostKey               types.String `tfsdk:"host_key"`
	KnownHostsFile        types.String `tfsdk:"known_hosts_file"`
	InsecureIgnoreHostKey types.Bool   `tfsdk:"insecure_ignore_host_key"`
	Bastion               types.Object `tfsdk:"bastion"`
	Sudo                  types.Bool   `tfsdk:"sudo"`
	Timeout               types.String `tfsdk:"timeout"`
	HAProxy               types.Object `tfsdk:"haproxy"`
}

type bastionModel struct {
	Host           types.String `tfsdk:"host"`
	Port           types.Int64  `tfsdk:"port"`
	User           types.String `tfsdk:"user"`
	PrivateKey     types.String `tfsdk:"private_key"`
	PrivateKeyFile types.String `tfsdk:"private_key_file"`
	HostKey        types.String `tfsdk:"host_key"`
}

type haproxyModel struct {
	ConfigFile    types.String `tfsdk:"config_file"`
	Service       types.String `tfsdk:"service"`
	RuntimeSocket types.String `tfsdk:"runtime_socket"`
	MasterSocket  types.String `tfsdk:"master_socket"`
	MapsDir       types.String `tfsdk:"maps_dir"`
}

func providerSchema() schema.Schema {
	hp := api.DefaultHAProxySettings()
	return schema.Schema{
		MarkdownDescription: "The Switchyard provider manages HAProxy on one Linux machine over SSH. " +
			"It needs nothing on the machine but sshd, systemd and the `haproxy` package: it uploads a small agent " +
			"the first time and talks to it over one SSH connection. One provider block is one machine; " +
			"use provider aliases for several. Connection settings never go into the Terraform state.",
		Attributes: map[string]schema.Attribute{
			"host": schema.StringAttribute{
				MarkdownDescription: "Address or DNS name of the machine, without user or port. " +
					"Falls back to the `" + envHost + "` environment variable; one of the two must be set. There is no default.",
				Optional: true,
			},
			"port": schema.Int64Attribute{
				MarkdownDescription: "SSH port of the machine. Falls back to `" + envPort + "`. Defaults to `22`.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(1, 65535)},
			},
			"user": schema.StringAttribute{
				MarkdownDescription: "User to log in as: `root`, or a user with passwordless sudo together with `sudo = true`. " +
					"Falls back to `" + envUser + "`. Defaults to `root`.",
				Optional: true,
			},
			"private_key": schema.StringAttribute{
				MarkdownDescription: "SSH private key to log in with, in OpenSSH or PEM format (the contents, not a path). " +
					"When neither `private_key` nor `private_key_file` is set, both fall back to `" + envPrivateKey +
					"` and `" + envPrivateKeyFile + "`. There is no default.",
				Optional:  true,
				Sensitive: true,
			},
			"private_key_file": schema.StringAttribute{
				MarkdownDescription: "Path to an SSH private key file on the machine running Terraform; `~` is expanded. " +
					"Falls back to `" + envPrivateKeyFile + "` as described for `private_key`. There is no default.",
				Optional: true,
			},
			"agent": schema.BoolAttribute{
				MarkdownDescription: "Whether to also offer the keys of the running ssh-agent (`SSH_AUTH_SOCK`). " +
					"At least one of `private_key`, `private_key_file` and `agent` is needed. Defaults to `false`.",
				Optional: true,
			},
			"host_key": schema.StringAttribute{
				MarkdownDescription: "The machine's SSH host key, pinned, in authorized_keys format " +
					"(`ssh-ed25519 AAAA…`, as in `/etc/ssh/ssh_host_ed25519_key.pub`). Only one of `host_key`, " +
					"`known_hosts_file` and `insecure_ignore_host_key` may be set; when none of the three is set, " +
					"they fall back together to `" + envHostKey + "`, `" + envKnownHostsFile + "` and `" +
					envInsecureIgnoreHostKey + "`, and then to `~/.ssh/known_hosts`. There is no default.",
				Optional: true,
			},
			"known_hosts_file": schema.StringAttribute{
				MarkdownDescription: "Path to a known_hosts file to verify the machine's host key against; `~` is expanded. " +
					"Falls back to `" + envKnownHostsFile + "` as described for `host_key`. Defaults to `~/.ssh/known_hosts` " +
					"when no other host key setting is given.",
				Optional: true,
			},
			"insecure_ignore_host_key": schema.BoolAttribute{
				MarkdownDescription: "Whether to accept any host key, which lets anyone on the network path impersonate the machine. " +
					"Only for throwaway test machines; the provider warns on every run while it is set. " +
					"Falls back to `" + envInsecureIgnoreHostKey + "` as described for `host_key`. Defaults to `false`.",
				Optional: true,
			},
			"bastion": schema.SingleNestedAttribute{
				MarkdownDescription: "A jump host to reach the machine through (like `ssh -J`). " +
					"User and keys default to the machine's own; the bastion's host key is checked against `bastion.host_key`, " +
					"else the main `known_hosts_file` (or `~/.ssh/known_hosts`), and not checked when `insecure_ignore_host_key` is set. " +
					"A `host_key` pinned for the machine is never used for the bastion. Defaults to connecting directly.",
				Optional:   true,
				Attributes: bastionSchemaAttributes(),
			},
			"sudo": schema.BoolAttribute{
				MarkdownDescription: "Whether to run the agent with `sudo -n`, for a `user` other than root; " +
					"the user then needs passwordless sudo. Falls back to `" + envSudo + "`. Defaults to `false`.",
				Optional: true,
			},
			"timeout": schema.StringAttribute{
				MarkdownDescription: "How long one attempt to connect (TCP connect plus SSH handshake) may take, " +
					"as a duration such as `\"30s\"` or `\"2m\"`. Defaults to `\"30s\"`.",
				Optional:   true,
				Validators: []validator.String{durationValidator()},
			},
			"haproxy": schema.SingleNestedAttribute{
				MarkdownDescription: "Where HAProxy's files, service and sockets are on the machine. " +
					"Defaults to the paths of Debian's and Ubuntu's `haproxy` package.",
				Optional: true,
				Attributes: map[string]schema.Attribute{
					"config_file": schema.StringAttribute{
						MarkdownDescription: "Path of HAProxy's configuration file. Defaults to `" + hp.ConfigFile + "`.",
						Optional:            true,
						Validators:          []validator.String{absolutePathValidator()},
					},
					"service": schema.StringAttribute{
						MarkdownDescription: "Name of HAProxy's systemd service, which is reloaded after a configuration change. Defaults to `" + hp.Service + "`.",
						Optional:            true,
						Validators:          []validator.String{unitNameValidator()},
					},
					"runtime_socket": schema.StringAttribute{
						MarkdownDescription: "Path of HAProxy's runtime API socket (`stats socket … level admin`). Defaults to `" + hp.RuntimeSocket + "`.",
						Optional:            true,
						Validators:          []validator.String{absolutePathValidator()},
					},
					"master_socket": schema.StringAttribute{
						MarkdownDescription: "Path of HAProxy's master CLI socket (`-S`), used to confirm reloads. Defaults to `" + hp.MasterSocket + "`.",
						Optional:            true,
						Validators:          []validator.String{absolutePathValidator()},
					},
					"maps_dir": schema.StringAttribute{
						MarkdownDescription: "Directory that holds HAProxy's map files. Defaults to `" + hp.MapsDir + "`.",
						Optional:            true,
						Validators:          []validator.String{absolutePathValidator()},
					},
				},
			},
		},
	}
}

func bastionSchemaAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"host": schema.StringAttribute{
			MarkdownDescription: "Address or DNS name of the bastion, without user or port. It is required in a `bastion` block and has no default.",
			Required:            true,
		},
		"port": schema.Int64Attribute{
			MarkdownDescription: "SSH port of the bastion. Defaults to `22`.",
			Optional:            true,
			Validators:          []validator.Int64{int64validator.Between(1, 65535)},
		},
		"user": schema.StringAttribute{
			MarkdownDescription: "User to log into the bastion as. Defaults to the machine's `user`.",
			Optional:            true,
		},
		"private_key": schema.StringAttribute{
			MarkdownDescription: "SSH private key for the bastion (the contents). When neither this nor `bastion.private_key_file` is set, " +
				"both default to the machine's `private_key` and `private_key_file`.",
			Optional:  true,
			Sensitive: true,
		},
		"private_key_file": schema.StringAttribute{
			MarkdownDescription: "Path to the SSH private key file for the bastion; `~` is expanded. Defaults as described for `bastion.private_key`.",
			Optional:            true,
		},
		"host_key": schema.StringAttribute{
			MarkdownDescription: "The bastion's SSH host key, pinned, in authorized_keys format. " +
				"Defaults to checking the bastion against the machine's `known_hosts_file` (see `bastion`).",
			Optional: true,
		},
	}
}

func (p *switchyardProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// A plan may configure the provider before the values exist (a host
	// that comes from a resource not created yet). Failing here would make
	// that whole configuration unplannable; with no machine, only the
	// operations that really need one fail, and say why.
	if m.hasUnknown() {
		return
	}

	s, diags := m.settings(ctx, os.Getenv)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	s.ssh.SetDefaults()
	if err := s.ssh.Validate(); err != nil {
		resp.Diagnostics.Append(configError(err, s.fromEnv))
		return
	}
	if s.ssh.InsecureIgnoreHostKey {
		resp.Diagnostics.AddAttributeWarning(path.Root("insecure_ignore_host_key"), "Host Key Verification Disabled",
			fmt.Sprintf("The provider accepts any SSH host key from %s, so anyone on the network path can impersonate the machine "+
				"and receive what Terraform sends it. Pin the key with host_key or use known_hosts_file.", s.ssh.Host))
	}

	// One Machine per provider block: every resource shares its single SSH
	// connection and agent session, which it opens on first use, so a plan
	// that needs nothing from the machine never connects.
	machine := newReadCache(sshconn.New(s.ssh, s.haproxy))
	resp.ResourceData = machine
	resp.DataSourceData = machine
}

// hasUnknown reports whether any connection setting is not known yet.
func (m providerModel) hasUnknown() bool {
	values := []attr.Value{m.Host, m.Port, m.User, m.PrivateKey, m.PrivateKeyFile, m.Agent, m.HostKey,
		m.KnownHostsFile, m.InsecureIgnoreHostKey, m.Bastion, m.Sudo, m.Timeout, m.HAProxy}
	for _, obj := range []types.Object{m.Bastion, m.HAProxy} {
		for _, v := range obj.Attributes() {
			values = append(values, v)
		}
	}
	for _, v := range values {
		if v.IsUnknown() {
			return true
		}
	}
	return false
}

// connSettings is the provider block resolved against the environment.
type connSettings struct {
	ssh     sshconn.Config
	haproxy api.HAProxySettings
	// fromEnv maps sshconn attribute names to the environment variable the
	// value came from, so an error can point at the variable rather than at
	// an attribute the configuration does not contain.
	fromEnv map[string]string
}

// settings resolves the provider block: configuration first, then the
// environment (through getenv, so tests need not touch the process
// environment). sshconn applies the remaining defaults.
func (m providerModel) settings(ctx context.Context, getenv func(string) string) (connSettings, diag.Diagnostics) {
	var diags diag.Diagnostics
	s := connSettings{haproxy: api.DefaultHAProxySettings(), fromEnv: map[string]string{}}

	// env reads one variable and remembers where the value came from.
	env := func(attr, name string) string {
		v := getenv(name)
		if v != "" {
			s.fromEnv[attr] = name
		}
		return v
	}
	envBool := func(attr, name string) bool {
		v := env(attr, name)
		if v == "" {
			return false
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			diags.AddAttributeError(path.Root(attr), "Invalid Environment Variable",
				fmt.Sprintf("%s=%q is not a boolean: use true or false.", name, v))
		}
		return b
	}
	str := func(v types.String, attr, name string) string {
		if !v.IsNull() {
			return v.ValueString()
		}
		return env(attr, name)
	}

	s.ssh.Host = str(m.Host, sshconn.AttrHost, envHost)
	s.ssh.User = str(m.User, sshconn.AttrUser, envUser)
	s.ssh.UseAgent = m.Agent.ValueBool()
	if !m.Sudo.IsNull() {
		s.ssh.Sudo = m.Sudo.ValueBool()
	} else {
		s.ssh.Sudo = envBool("sudo", envSudo)
	}
	if !m.Port.IsNull() {
		s.ssh.Port = int(m.Port.ValueInt64())
	} else if v := env(sshconn.AttrPort, envPort); v != "" {
		port, err := strconv.Atoi(v)
		if err != nil {
			diags.AddAttributeError(path.Root(sshconn.AttrPort), "Invalid Environment Variable",
				fmt.Sprintf("%s=%q is not a port number.", envPort, v))
		}
		s.ssh.Port = port
	}

	// Keys fall back as a pair, and host key settings as a group: an
	// explicit choice in the configuration must not be mixed with a leftover
	// variable from the environment (two host key sources are an error, two
	// keys a surprise).
	if m.PrivateKey.IsNull() && m.PrivateKeyFile.IsNull() {
		s.ssh.PrivateKey = env(sshconn.AttrPrivateKey, envPrivateKey)
		s.ssh.PrivateKeyFile = env(sshconn.AttrPrivateKeyFile, envPrivateKeyFile)
	} else {
		s.ssh.PrivateKey = m.PrivateKey.ValueString()
		s.ssh.PrivateKeyFile = m.PrivateKeyFile.ValueString()
	}
	if m.HostKey.IsNull() && m.KnownHostsFile.IsNull() && m.InsecureIgnoreHostKey.IsNull() {
		s.ssh.HostKey = env(sshconn.AttrHostKey, envHostKey)
		s.ssh.KnownHostsFile = env(sshconn.AttrKnownHostsFile, envKnownHostsFile)
		s.ssh.InsecureIgnoreHostKey = envBool(sshconn.AttrInsecureIgnoreHostKey, envInsecureIgnoreHostKey)
	} else {
		s.ssh.HostKey = m.HostKey.ValueString()
		s.ssh.KnownHostsFile = m.KnownHostsFile.ValueString()
		s.ssh.InsecureIgnoreHostKey = m.InsecureIgnoreHostKey.ValueBool()
	}

	if !m.Timeout.IsNull() {
		d, err := time.ParseDuration(m.Timeout.ValueString())
		if err != nil {
			// The validator has said this already at validate time.
			diags.AddAttributeError(path.Root(sshconn.AttrTimeout), "Invalid Attribute Value", err.Error())
		}
		s.ssh.Timeout = d
	}

	if !m.Bastion.IsNull() {
		var b bastionModel
		diags.Append(m.Bastion.As(ctx, &b, basetypes.ObjectAsOptions{})...)
		// Empty fields stay empty: sshconn fills them from the machine's.
		s.ssh.Bastion = &sshconn.BastionConfig{
			Host:           b.Host.ValueString(),
			Port:           int(b.Port.ValueInt64()),
			User:           b.User.ValueString(),
			PrivateKey:     b.PrivateKey.ValueString(),
			PrivateKeyFile: b.PrivateKeyFile.ValueString(),
			HostKey:        b.HostKey.ValueString(),
		}
	}

	if !m.HAProxy.IsNull() {
		var h haproxyModel
		diags.Append(m.HAProxy.As(ctx, &h, basetypes.ObjectAsOptions{})...)
		override := func(dst *string, v types.String) {
			if !v.IsNull() {
				*dst = v.ValueString()
			}
		}
		override(&s.haproxy.ConfigFile, h.ConfigFile)
		override(&s.haproxy.Service, h.Service)
		override(&s.haproxy.RuntimeSocket, h.RuntimeSocket)
		override(&s.haproxy.MasterSocket, h.MasterSocket)
		override(&s.haproxy.MapsDir, h.MapsDir)
	}
	return s, diags
}

// configErrorPaths maps the attribute names that sshconn's Validate errors
// start with to schema paths, longest first so that "bastion.host_key" is not
// taken for "bastion.host".
var configErrorPaths = []struct {
	attr string
	path path.Path
}{
	{sshconn.AttrInsecureIgnoreHostKey, path.Root("insecure_ignore_host_key")},
	{sshconn.AttrBastionHostKey, path.Root("bastion").AtName("host_key")},
	{sshconn.AttrPrivateKeyFile, path.Root("private_key_file")},
	{sshconn.AttrKnownHostsFile, path.Root("known_hosts_file")},
	{sshconn.AttrBastionHost, path.Root("bastion").AtName("host")},
	{sshconn.AttrBastionPort, path.Root("bastion").AtName("port")},
	{sshconn.AttrPrivateKey, path.Root("private_key")},
	{sshconn.AttrHostKey, path.Root("host_key")},
	{sshconn.AttrTimeout, path.Root("timeout")},
	{sshconn.AttrHost, path.Root("host")},
	{sshconn.AttrPort, path.Root("port")},
	{sshconn.AttrUser, path.Root("user")},
}

// configError turns an sshconn.Config.Validate error into a diagnostic on
// the attribute it names, mentioning the environment variable when the value
// came from one.
func configError(err error, fromEnv map[string]string) diag.Diagnostic {
	const summary = "Invalid SSH Connection Settings"
	msg := err.Error()
	for _, e := range configErrorPaths {
		if !strings.HasPrefix(msg, e.attr+" ") && !strings.HasPrefix(msg, e.attr+":") {
			continue
		}
		if env, ok := fromEnv[e.attr]; ok {
			msg += fmt.Sprintf(" (the value comes from the %s environment variable)", env)
		}
		return diag.NewAttributeErrorDiagnostic(e.path, summary, msg)
	}
	return diag.NewErrorDiagnostic(summary, msg)
}

// machineFrom is every resource's and data source's Configure: nil until
// the provider has a machine (see Configure), an error for anything that is
// not one.
func machineFrom(providerData any, diags *diag.Diagnostics) caller {
	if providerData == nil {
		return nil
	}
	c, ok := providerData.(caller)
	if !ok {
		diags.AddError("Unexpected Provider Data",
			fmt.Sprintf("Expected a machine connection, got %T. This is a bug in the provider; please report it.", providerData))
		return nil
	}
	return c
}

// errNotConfigured explains a missing machine to the person running
// Terraform: it only happens when the provider's settings were unknown.
const errNotConfigured = "the provider's connection settings were not known when it was configured " +
	"(for example host comes from a resource that is not created yet), so there is no machine to talk to. " +
	"Apply the resources the provider block depends on first (for example with -target), then run Terraform again."
