package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	pschema "github.com/hashicorp/terraform-plugin-framework/provider/schema"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/sshconn"
)

const testHostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDd9JbYkpfl7uEMDJxqkuKinIO47MGXiJHMfIGEsH/M9"

// emptyProviderModel is a provider block with nothing set.
func emptyProviderModel() providerModel {
	return providerModel{
		Host: types.StringNull(), Port: types.Int64Null(), User: types.StringNull(),
		PrivateKey: types.StringNull(), PrivateKeyFile: types.StringNull(), Agent: types.BoolNull(),
		HostKey: types.StringNull(), KnownHostsFile: types.StringNull(), InsecureIgnoreHostKey: types.BoolNull(),
		Bastion: types.ObjectNull(nestedAttrTypes("bastion")), Sudo: types.BoolNull(), Timeout: types.StringNull(),
		HAProxy: types.ObjectNull(nestedAttrTypes("haproxy")),
	}
}

func nestedAttrTypes(name string) map[string]attr.Type {
	return providerSchema().Attributes[name].GetType().(types.ObjectType).AttrTypes
}

func objectOf(t *testing.T, name string, v any) types.Object {
	t.Helper()
	o, diags := types.ObjectValueFrom(context.Background(), nestedAttrTypes(name), v)
	if diags.HasError() {
		t.Fatal(diags)
	}
	return o
}

// nullBastion is a bastion block with every optional field left out.
func nullBastion(host string) bastionModel {
	return bastionModel{
		Host: types.StringValue(host), Port: types.Int64Null(), User: types.StringNull(),
		PrivateKey: types.StringNull(), PrivateKeyFile: types.StringNull(), HostKey: types.StringNull(),
	}
}

func fullEnv() map[string]string {
	return map[string]string{
		envHost: "10.9.9.9", envPort: "2222", envUser: "ci", envPrivateKey: "ENV KEY", envPrivateKeyFile: "/env/key",
		envHostKey: testHostKey, envKnownHostsFile: "/env/known_hosts", envInsecureIgnoreHostKey: "false", envSudo: "true",
	}
}

func TestProviderSettings(t *testing.T) {
	type want struct {
		ssh     sshconn.Config
		haproxy api.HAProxySettings
		fromEnv map[string]string
		errors  []string // paths of error diagnostics
	}
	tests := []struct {
		name   string
		model  func(m *providerModel)
		env    map[string]string
		want   want
		modify func(w *want)
	}{
		{
			name: "configuration only",
			model: func(m *providerModel) {
				m.Host = types.StringValue("10.0.0.5")
				m.Port = types.Int64Value(2200)
				m.User = types.StringValue("deploy")
				m.PrivateKeyFile = types.StringValue("~/.ssh/id_ed25519")
				m.Agent = types.BoolValue(true)
				m.HostKey = types.StringValue(testHostKey)
				m.Sudo = types.BoolValue(true)
				m.Timeout = types.StringValue("1m30s")
			},
			want: want{
				ssh: sshconn.Config{Host: "10.0.0.5", Port: 2200, User: "deploy", PrivateKeyFile: "~/.ssh/id_ed25519",
					UseAgent: true, HostKey: testHostKey, Sudo: true, Timeout: 90 * time.Second},
				haproxy: api.DefaultHAProxySettings(), fromEnv: map[string]string{},
			},
		},
		{
			name: "environment only",
			env:  fullEnv(),
			want: want{
				ssh: sshconn.Config{Host: "10.9.9.9", Port: 2222, User: "ci", PrivateKey: "ENV KEY", PrivateKeyFile: "/env/key",
					HostKey: testHostKey, KnownHostsFile: "/env/known_hosts", Sudo: true},
				haproxy: api.DefaultHAProxySettings(),
				fromEnv: map[string]string{
					"host": envHost, "port": envPort, "user": envUser, "sudo": envSudo,
					"private_key": envPrivateKey, "private_key_file": envPrivateKeyFile,
					"host_key": envHostKey, "known_hosts_file": envKnownHostsFile, "insecure_ignore_host_key": envInsecureIgnoreHostKey,
				},
			},
		},
		{
			name: "configuration wins attribute by attribute",
			model: func(m *providerModel) {
				m.Host = types.StringValue("10.0.0.5")
				m.Sudo = types.BoolValue(false)
			},
			env: map[string]string{envHost: "10.9.9.9", envUser: "ci", envSudo: "true", envPrivateKeyFile: "/env/key", envHostKey: testHostKey},
			want: want{
				ssh:     sshconn.Config{Host: "10.0.0.5", User: "ci", PrivateKeyFile: "/env/key", HostKey: testHostKey},
				haproxy: api.DefaultHAProxySettings(),
				fromEnv: map[string]string{"user": envUser, "private_key_file": envPrivateKeyFile, "host_key": envHostKey},
			},
		},
		{
			// Mixing would give two host key sources, which sshconn rejects.
			name:  "host key settings fall back as a group",
			model: func(m *providerModel) { m.KnownHostsFile = types.StringValue("/etc/ssh/ssh_known_hosts") },
			env:   map[string]string{envHostKey: testHostKey, envInsecureIgnoreHostKey: "true"},
			want: want{
				ssh:     sshconn.Config{KnownHostsFile: "/etc/ssh/ssh_known_hosts"},
				haproxy: api.DefaultHAProxySettings(), fromEnv: map[string]string{},
			},
		},
		{
			name:  "keys fall back as a pair",
			model: func(m *providerModel) { m.PrivateKey = types.StringValue("CONFIG KEY") },
			env:   map[string]string{envPrivateKeyFile: "/env/key"},
			want: want{
				ssh:     sshconn.Config{PrivateKey: "CONFIG KEY"},
				haproxy: api.DefaultHAProxySettings(), fromEnv: map[string]string{},
			},
		},
		{
			name: "bad environment values",
			env:  map[string]string{envPort: "ssh", envSudo: "yes please", envInsecureIgnoreHostKey: "maybe"},
			want: want{
				haproxy: api.DefaultHAProxySettings(),
				fromEnv: map[string]string{"port": envPort, "sudo": envSudo, "insecure_ignore_host_key": envInsecureIgnoreHostKey},
				errors:  []string{"sudo", "port", "insecure_ignore_host_key"},
			},
		},
		{
			name: "haproxy settings override the defaults one by one",
			model: func(m *providerModel) {
				m.HAProxy = objectOf(t, "haproxy", haproxyModel{
					ConfigFile: types.StringValue("/usr/local/etc/haproxy/haproxy.cfg"), Service: types.StringValue("haproxy-edge"),
					RuntimeSocket: types.StringNull(), MasterSocket: types.StringNull(), MapsDir: types.StringValue("/srv/maps"),
				})
			},
			want: want{
				haproxy: func() api.HAProxySettings {
					h := api.DefaultHAProxySettings()
					h.ConfigFile, h.Service, h.MapsDir = "/usr/local/etc/haproxy/haproxy.cfg", "haproxy-edge", "/srv/maps"
					return h
				}(),
				fromEnv: map[string]string{},
			},
		},
		{
			name: "bastion is passed on as written",
			model: func(m *providerModel) {
				b := nullBastion("jump.example.com")
				b.Port = types.Int64Value(2022)
				b.HostKey = types.StringValue(testHostKey)
				m.Bastion = objectOf(t, "bastion", b)
			},
			want: want{
				ssh:     sshconn.Config{Bastion: &sshconn.BastionConfig{Host: "jump.example.com", Port: 2022, HostKey: testHostKey}},
				haproxy: api.DefaultHAProxySettings(), fromEnv: map[string]string{},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := emptyProviderModel()
			if tt.model != nil {
				tt.model(&m)
			}
			got, diags := m.settings(context.Background(), func(k string) string { return tt.env[k] })
			if diff := cmp.Diff(tt.want.ssh, got.ssh); diff != "" {
				t.Errorf("ssh config (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want.haproxy, got.haproxy); diff != "" {
				t.Errorf("haproxy settings (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want.fromEnv, got.fromEnv); diff != "" {
				t.Errorf("fromEnv (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want.errors, errorPaths(diags)); diff != "" {
				t.Errorf("error paths (-want +got):\n%s\n%v", diff, diags)
			}
		})
	}
}

func errorPaths(diags diag.Diagnostics) []string {
	var paths []string
	for _, d := range diags.Errors() {
		if wp, ok := d.(diag.DiagnosticWithPath); ok {
			paths = append(paths, wp.Path().String())
		} else {
			paths = append(paths, "")
		}
	}
	return paths
}

// What the bastion ends up with once sshconn has applied its defaults: the
// machine's user and keys unless it has its own, never the machine's pinned
// host key.
func TestBastionFallbacks(t *testing.T) {
	tests := []struct {
		name    string
		bastion func(b *bastionModel)
		want    sshconn.BastionConfig
	}{
		{
			name: "everything from the machine",
			want: sshconn.BastionConfig{Host: "jump", Port: 22, User: "deploy", PrivateKey: "MAIN KEY", PrivateKeyFile: "/main/key"},
		},
		{
			name: "own user, port and key file",
			bastion: func(b *bastionModel) {
				b.User = types.StringValue("jumper")
				b.Port = types.Int64Value(2022)
				b.PrivateKeyFile = types.StringValue("/jump/key")
			},
			// The machine's inline key does not tag along with the bastion's own file.
			want: sshconn.BastionConfig{Host: "jump", Port: 2022, User: "jumper", PrivateKeyFile: "/jump/key"},
		},
		{
			name:    "own host key",
			bastion: func(b *bastionModel) { b.HostKey = types.StringValue(testHostKey) },
			want:    sshconn.BastionConfig{Host: "jump", Port: 22, User: "deploy", PrivateKey: "MAIN KEY", PrivateKeyFile: "/main/key", HostKey: testHostKey},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := emptyProviderModel()
			m.Host = types.StringValue("10.0.0.5")
			m.User = types.StringValue("deploy")
			m.PrivateKey = types.StringValue("MAIN KEY")
			m.PrivateKeyFile = types.StringValue("/main/key")
			m.HostKey = types.StringValue(testHostKey)
			b := nullBastion("jump")
			if tt.bastion != nil {
				tt.bastion(&b)
			}
			m.Bastion = objectOf(t, "bastion", b)
			s, diags := m.settings(context.Background(), func(string) string { return "" })
			if diags.HasError() {
				t.Fatal(diags)
			}
			s.ssh.SetDefaults()
			if err := s.ssh.Validate(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, *s.ssh.Bastion); diff != "" {
				t.Errorf("bastion (-want +got):\n%s", diff)
			}
		})
	}
}

// Errors from sshconn's Validate land on the attribute they name.
func TestConfigError(t *testing.T) {
	base := func() sshconn.Config {
		return sshconn.Config{Host: "10.0.0.5", PrivateKeyFile: "/k", HostKey: testHostKey}
	}
	tests := []struct {
		name     string
		modify   func(c *sshconn.Config)
		fromEnv  map[string]string
		wantPath string // "" for an error on no attribute
		wantEnv  bool
	}{
		{name: "host", modify: func(c *sshconn.Config) { c.Host = "root@10.0.0.5" }, wantPath: "host"},
		{name: "host from env", modify: func(c *sshconn.Config) { c.Host = "10.0.0.5:22" }, fromEnv: map[string]string{"host": envHost}, wantPath: "host", wantEnv: true},
		{name: "port", modify: func(c *sshconn.Config) { c.Port = 70000 }, wantPath: "port"},
		{name: "host_key", modify: func(c *sshconn.Config) { c.HostKey = "nope" }, wantPath: "host_key"},
		{name: "host_key from env", modify: func(c *sshconn.Config) { c.HostKey = "nope" }, fromEnv: map[string]string{"host_key": envHostKey}, wantPath: "host_key", wantEnv: true},
		{name: "bastion.host", modify: func(c *sshconn.Config) { c.Bastion = &sshconn.BastionConfig{} }, wantPath: "bastion.host"},
		{name: "bastion.host_key", modify: func(c *sshconn.Config) { c.Bastion = &sshconn.BastionConfig{Host: "j", HostKey: "x"} }, wantPath: "bastion.host_key"},
		{name: "two host key sources", modify: func(c *sshconn.Config) { c.KnownHostsFile = "/kh" }},
		{name: "no authentication", modify: func(c *sshconn.Config) { c.PrivateKeyFile = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.modify(&c)
			c.SetDefaults()
			err := c.Validate()
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			d := configError(err, tt.fromEnv)
			if d.Summary() != "Invalid SSH Connection Settings" || !strings.HasPrefix(d.Detail(), err.Error()) {
				t.Errorf("diagnostic = %q: %q, want the error %q", d.Summary(), d.Detail(), err)
			}
			gotPath := ""
			if wp, ok := d.(diag.DiagnosticWithPath); ok {
				gotPath = wp.Path().String()
			}
			if gotPath != tt.wantPath {
				t.Errorf("path = %q, want %q (error %q)", gotPath, tt.wantPath, err)
			}
			if got := strings.Contains(d.Detail(), "environment variable"); got != tt.wantEnv {
				t.Errorf("mentions the environment = %v, want %v: %q", got, tt.wantEnv, d.Detail())
			}
		})
	}
}

// Every attribute sshconn may name in an error is one the schema has.
func TestConfigErrorPathsExistInSchema(t *testing.T) {
	s := providerSchema()
	for _, e := range configErrorPaths {
		if _, diags := s.AttributeAtPath(context.Background(), e.path); diags.HasError() {
			t.Errorf("%s (for sshconn's %q) is not in the provider schema", e.path, e.attr)
		}
	}
	for i := 1; i < len(configErrorPaths); i++ {
		a, b := configErrorPaths[i-1].attr, configErrorPaths[i].attr
		if len(a) < len(b) {
			t.Errorf("configErrorPaths: %q comes before the longer %q; a prefix would match first", a, b)
		}
	}
}

// providerConfig builds a provider block as Terraform sends it: values for
// the given attributes, null for the rest.
func providerConfig(t *testing.T, values map[string]tftypes.Value) tfsdk.Config {
	t.Helper()
	s := providerSchema()
	typ := s.Type().TerraformType(context.Background()).(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if v, ok := values[name]; ok {
			vals[name] = v
		} else {
			vals[name] = tftypes.NewValue(at, nil)
		}
	}
	for name := range values {
		if _, ok := typ.AttributeTypes[name]; !ok {
			t.Fatalf("no attribute %q in the provider schema", name)
		}
	}
	return tfsdk.Config{Schema: s, Raw: tftypes.NewValue(typ, vals)}
}

func TestProviderConfigure(t *testing.T) {
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	valid := map[string]tftypes.Value{"host": str("10.0.0.5"), "private_key_file": str("/k"), "host_key": str(testHostKey)}
	null := tftypes.NewValue(tftypes.String, nil)
	with := func(overrides map[string]tftypes.Value) map[string]tftypes.Value {
		m := map[string]tftypes.Value{}
		for k, v := range valid {
			m[k] = v
		}
		for k, v := range overrides {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name        string
		values      map[string]tftypes.Value
		wantMachine bool
		wantErrors  []string
		wantWarning string // path of a warning
	}{
		{name: "valid", values: valid, wantMachine: true},
		{name: "unknown host is not an error", values: with(map[string]tftypes.Value{"host": tftypes.NewValue(tftypes.String, tftypes.UnknownValue)})},
		{
			name: "unknown inside haproxy is not an error",
			values: with(map[string]tftypes.Value{"haproxy": tftypes.NewValue(tftypes.Object{AttributeTypes: map[string]tftypes.Type{
				"config_file": tftypes.String, "service": tftypes.String, "runtime_socket": tftypes.String,
				"master_socket": tftypes.String, "maps_dir": tftypes.String,
			}}, map[string]tftypes.Value{
				"config_file": tftypes.NewValue(tftypes.String, tftypes.UnknownValue), "service": tftypes.NewValue(tftypes.String, nil),
				"runtime_socket": tftypes.NewValue(tftypes.String, nil), "master_socket": tftypes.NewValue(tftypes.String, nil),
				"maps_dir": tftypes.NewValue(tftypes.String, nil),
			})}),
		},
		{name: "no host", values: with(map[string]tftypes.Value{"host": null}), wantErrors: []string{"host"}},
		{name: "bad host key", values: with(map[string]tftypes.Value{"host_key": str("ssh-ed25519 garbage")}), wantErrors: []string{"host_key"}},
		{
			name:        "insecure warns",
			values:      with(map[string]tftypes.Value{"host_key": null, "insecure_ignore_host_key": tftypes.NewValue(tftypes.Bool, true)}),
			wantMachine: true, wantWarning: "insecure_ignore_host_key",
		},
	}

	for _, env := range []string{envHost, envPort, envUser, envPrivateKey, envPrivateKeyFile, envHostKey, envKnownHostsFile, envInsecureIgnoreHostKey, envSudo} {
		t.Setenv(env, "")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New("test")()
			var resp provider.ConfigureResponse
			p.Configure(context.Background(), provider.ConfigureRequest{Config: providerConfig(t, tt.values)}, &resp)
			if diff := cmp.Diff(tt.wantErrors, errorPaths(resp.Diagnostics)); diff != "" {
				t.Errorf("error paths (-want +got):\n%s\n%v", diff, resp.Diagnostics)
			}
			m, ok := resp.ResourceData.(*readCache) // a machine behind its read cache
			if ok != tt.wantMachine {
				t.Fatalf("ResourceData = %T, want a machine: %v", resp.ResourceData, tt.wantMachine)
			}
			if ok && resp.DataSourceData != m {
				t.Errorf("data sources get %v, resources %v: want one shared machine", resp.DataSourceData, m)
			}
			var warnings []string
			for _, w := range resp.Diagnostics.Warnings() {
				warnings = append(warnings, w.(diag.DiagnosticWithPath).Path().String())
			}
			if tt.wantWarning != "" && (len(warnings) != 1 || warnings[0] != tt.wantWarning) {
				t.Errorf("warnings on %v, want one on %s", warnings, tt.wantWarning)
			}
			if tt.wantWarning == "" && len(warnings) > 0 {
				t.Errorf("unexpected warnings: %v", resp.Diagnostics.Warnings())
			}
		})
	}
}

func TestProviderSchema(t *testing.T) {
	s := providerSchema()
	if diags := s.ValidateImplementation(context.Background()); diags.HasError() {
		t.Fatal(diags)
	}
	walkProviderAttributes(path.Empty(), s.Attributes, func(p path.Path, a pschema.Attribute) {
		checkDescription(t, p, a.GetMarkdownDescription(), true)
	})
	for _, secret := range []string{"private_key"} {
		if !s.Attributes[secret].IsSensitive() {
			t.Errorf("%s is not sensitive", secret)
		}
	}
	bastion := s.Attributes["bastion"].(pschema.SingleNestedAttribute)
	if !bastion.Attributes["private_key"].IsSensitive() {
		t.Errorf("bastion.private_key is not sensitive")
	}
}

func walkProviderAttributes(parent path.Path, attrs map[string]pschema.Attribute, f func(path.Path, pschema.Attribute)) {
	for name, a := range attrs {
		p := parent.AtName(name)
		f(p, a)
		if n, ok := a.(pschema.SingleNestedAttribute); ok {
			walkProviderAttributes(p, n.Attributes, f)
		}
	}
}

// checkDescription holds descriptions to the house style: a full sentence,
// and for a settable attribute, one that states the default.
func checkDescription(t *testing.T, p path.Path, d string, settable bool) {
	t.Helper()
	switch {
	case d == "":
		t.Errorf("%s has no MarkdownDescription", p)
	case !strings.HasSuffix(d, "."):
		t.Errorf("%s: description does not end with a full stop: %q", p, d)
	case settable && !strings.Contains(strings.ToLower(d), "default"):
		t.Errorf("%s: description does not state the default: %q", p, d)
	}
}

func TestResourceAndDataSourceDescriptions(t *testing.T) {
	for name, a := range backendSchema().Attributes {
		checkDescription(t, path.Root(name), a.GetMarkdownDescription(), !a.IsComputed() || a.IsOptional())
	}
	servers := backendSchema().Attributes["servers"].(rschema.ListNestedAttribute).NestedObject.Attributes
	for name, a := range servers {
		checkDescription(t, path.Root("servers").AtListIndex(0).AtName(name), a.GetMarkdownDescription(), true)
	}
	for name, a := range hostSchema().Attributes {
		checkDescription(t, path.Root(name), a.GetMarkdownDescription(), false)
	}
}
