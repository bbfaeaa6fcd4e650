package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

var (
	_ resource.Resource                = (*haproxyResource)(nil)
	_ resource.ResourceWithConfigure   = (*haproxyResource)(nil)
	_ resource.ResourceWithImportState = (*haproxyResource)(nil)
)

// haproxyInstanceID is the id and import id of the singleton: one provider
// block is one machine, and a machine has one HAProxy.
const haproxyInstanceID = "haproxy"

// Defaults of server_state_file and hard_stop_after. /var/lib/haproxy is
// Debian's chroot directory for HAProxy: the package creates it and it is
// HAProxy's own. Half an hour lets long downloads, long polls and WebSocket
// sessions of ordinary length finish on the old workers after a reload,
// while a day of applies can never pile up old workers that live forever.
const (
	defaultServerStateFile = "/var/lib/haproxy/server-state"
	defaultHardStopAfter   = "30m"
)

// syslogFacilities and syslogLevels are what HAProxy's `log` accepts.
var (
	syslogFacilities = []string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
		"auth2", "ftp", "ntp", "audit", "alert", "cron2", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}
	syslogLevels = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}
)

// haproxyResource is switchyard_haproxy: the global and defaults settings of
// the machine's HAProxy and the state of its systemd unit.
type haproxyResource struct {
	machine caller
}

// NewHAProxyResource is the switchyard_haproxy factory.
func NewHAProxyResource() resource.Resource {
	return &haproxyResource{}
}

type instanceModel struct {
	ID             types.String `tfsdk:"id"`
	Maxconn        types.Int64  `tfsdk:"maxconn"`
	Nbthread       types.Int64  `tfsdk:"nbthread"`
	LogTargets     types.List   `tfsdk:"log_targets"`
	RunAsRoot      types.Bool   `tfsdk:"run_as_root"`
	RuntimeSocket  types.String `tfsdk:"runtime_socket"`
	StateFile      types.String `tfsdk:"server_state_file"`
	HardStopAfter  types.String `tfsdk:"hard_stop_after"`
	DefaultsName   types.String `tfsdk:"defaults_name"`
	Mode           types.String `tfsdk:"mode"`
	TimeoutConnect types.String `tfsdk:"timeout_connect"`
	TimeoutClient  types.String `tfsdk:"timeout_client"`
	TimeoutServer  types.String `tfsdk:"timeout_server"`
	Httplog        types.Bool   `tfsdk:"httplog"`
	Forwardfor     types.Bool   `tfsdk:"forwardfor"`
	Enabled        types.Bool   `tfsdk:"enabled"`
	Running        types.Bool   `tfsdk:"running"`
	// nil: not managed (extra_lines_sections.go).
	GlobalExtraLines   []types.String `tfsdk:"global_extra_lines"`
	DefaultsExtraLines []types.String `tfsdk:"defaults_extra_lines"`
}

type logTargetModel struct {
	Address  types.String `tfsdk:"address"`
	Facility types.String `tfsdk:"facility"`
	Level    types.String `tfsdk:"level"`
}

var logTargetAttrTypes = map[string]attr.Type{
	"address":  types.StringType,
	"facility": types.StringType,
	"level":    types.StringType,
}

func (r *haproxyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_haproxy"
}

func (r *haproxyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = haproxySchema()
}

// managedString is the plan modifier of every "set it or leave it alone"
// attribute: left out of the configuration, it keeps reporting the live
// value without ever planning a change.
func managedString() []planmodifier.String {
	return []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
}

func haproxySchema() schema.Schema {
	leaveAlone := " Left out, it is not managed: the value on the machine stays as it is and is shown here."
	timeout := func(keyword string) schema.StringAttribute {
		return schema.StringAttribute{
			MarkdownDescription: "`timeout " + keyword + "` of the defaults section, " + haproxyTimeoutValidator().description + ". " +
				"Values are compared in milliseconds, so `\"5s\"` and `\"5000ms\"` are the same; after an import the value reads back " +
				"in whole seconds when it is a whole number of seconds, else in milliseconds." + leaveAlone,
			Optional:      true,
			Computed:      true,
			Validators:    []validator.String{haproxyTimeoutValidator()},
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), equivalentTimeout{}},
		}
	}
	return schema.Schema{
		MarkdownDescription: "The machine's HAProxy itself: the `global` and `defaults` settings a person sets, and whether its " +
			"systemd unit is enabled and running. There is one per machine (one per provider block). " +
			"Every change goes through the same pipeline as the other HAProxy resources: `haproxy -c`, one graceful reload, " +
			"and the previous file restored if the reload fails. Only the attributes set in the configuration are managed; the rest " +
			"of `global` and `defaults` is kept as it is. The admin runtime socket the provider relies on " +
			"(`stats socket <runtime_socket> mode 660 level admin`) is always kept in `global`. The master socket is not managed: " +
			"it comes from the unit's command line (`-S /run/haproxy-master.sock` on Debian). " +
			"Destroying this resource only stops managing HAProxy: it keeps running with its configuration as it is.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Always `" + haproxyInstanceID + "`, which is also the import id.",
				Computed:            true,
				PlanModifiers:       managedString(),
			},
			"maxconn": schema.Int64Attribute{
				MarkdownDescription: "Process-wide maximum of concurrent connections (`maxconn` in `global`), from 1 to 10000000." + leaveAlone,
				Optional:            true,
				Computed:            true,
				Validators:          []validator.Int64{int64validator.Between(1, 10_000_000)},
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"nbthread": schema.Int64Attribute{
				MarkdownDescription: "Number of worker threads (`nbthread` in `global`), from 1 to 4096." + leaveAlone,
				Optional:            true,
				Computed:            true,
				Validators:          []validator.Int64{int64validator.Between(1, 4096)},
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"log_targets": schema.ListNestedAttribute{
				MarkdownDescription: "The `log` lines of `global`, in order; setting it replaces all of them." + leaveAlone,
				Optional:            true,
				Computed:            true,
				PlanModifiers:       []planmodifier.List{listplanmodifier.UseStateForUnknown()},
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"address": schema.StringAttribute{
							MarkdownDescription: "Where logs go: a socket path such as `/dev/log`, or `host:port` of a syslog server. It is required and has no default.",
							Required:            true,
							Validators:          []validator.String{logAddressValidator()},
						},
						"facility": schema.StringAttribute{
							MarkdownDescription: "Syslog facility: " + quotedList(syslogFacilities) + ". It is required and has no default.",
							Required:            true,
							Validators:          []validator.String{stringvalidator.OneOf(syslogFacilities...)},
						},
						"level": schema.StringAttribute{
							MarkdownDescription: "Highest level sent: " + quotedList(syslogLevels) + ". Defaults to none, which sends every level.",
							Optional:            true,
							Validators:          []validator.String{stringvalidator.OneOf(syslogLevels...)},
						},
					},
				},
			},
			"run_as_root": schema.BoolAttribute{
				MarkdownDescription: "Whether HAProxy's workers keep running as root. `true` removes `user` and `group` from `global`; " +
					"`false` sets `user haproxy` and `group haproxy`. HAProxy 2.6 workers need root to connect into or listen in a " +
					"network namespace (`namespace` on servers and binds): as `haproxy` such connections fail with \"Cannot get a server socket\". " +
					"Any other `user` counts as `false`. Left out, a switchyard_haproxy that is created makes it `true`, so that namespaces work; " +
					"an imported one (a machine being adopted) keeps what its `global` says, so adopting a machine whose workers run as `haproxy` " +
					"plans no change to `user` and `group`. Defaults to `true` on create and to the machine's own setting on import.",
				Optional:      true,
				Computed:      true,
				PlanModifiers: []planmodifier.Bool{inheritedOrDefaultBool(true)},
			},
			"runtime_socket": schema.StringAttribute{
				MarkdownDescription: "Path of the admin runtime socket kept in `global`, from the provider's settings; empty when a " +
					"person removed it, which the next plan shows as a change that adds it back.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), missingRuntimeSocket{}},
			},
			"server_state_file": schema.StringAttribute{
				MarkdownDescription: "Where HAProxy's server state is kept across reloads: `server-state-file` in `global` and " +
					"`load-server-state-from-file global` in the defaults section. Right before each reload it does, the agent saves " +
					"`show servers state` of the running HAProxy to this file, and the new workers start from it: a drained or maint " +
					"server stays so, runtime weights are kept, and a server that health checks marked DOWN starts DOWN instead of " +
					"taking requests until its checks fail again. HAProxy takes a server's address and port from the file too, so " +
					"servers whose address or port the reload changes are left out of it and start as configured. The file is removed " +
					"once the new workers run, so a reload or restart done by hand never loads an old state. An absolute path; `\"\"` " +
					"turns the state file off (both lines removed). " + adoptedGlobalDescription("server-state-file", defaultServerStateFile),
				Optional:      true,
				Computed:      true,
				Validators:    []validator.String{serverStateFileValidator()},
				PlanModifiers: []planmodifier.String{inheritedOrDefault(defaultServerStateFile)},
			},
			"hard_stop_after": schema.StringAttribute{
				MarkdownDescription: "`hard-stop-after` of `global`: how long the old workers of a reload may keep serving the " +
					"connections they have before HAProxy closes them, " + hardStopAfterValidator().description + "; `\"\"` removes " +
					"it, and old workers then live as long as their longest connection. Compared in milliseconds like the timeouts; after " +
					"an import it reads back in its largest whole unit (`\"30m\"`, `\"2h\"`, `\"90s\"`). " +
					"The default, `\"" + defaultHardStopAfter + "\"`, is long enough for long downloads, long polls and WebSocket sessions " +
					"of ordinary length to finish after a reload, short enough that repeated applies never keep old workers for hours. " +
					adoptedGlobalDescription("hard-stop-after", defaultHardStopAfter),
				Optional:      true,
				Computed:      true,
				Validators:    []validator.String{hardStopAfterValidator()},
				PlanModifiers: []planmodifier.String{inheritedOrDefault(defaultHardStopAfter), equivalentTimeout{}},
			},
			"defaults_name": schema.StringAttribute{
				MarkdownDescription: "Name of the `defaults` section these settings are read from and written to: the one the proxies " +
					"use (`from`), else the last one. An unnamed section is called `unnamed_defaults_1` (client-native names it so when it writes the file).",
				Computed:      true,
				PlanModifiers: managedString(),
			},
			"mode": schema.StringAttribute{
				MarkdownDescription: "`mode` of the defaults section: " + quotedList(backendModes) + "." + leaveAlone,
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{stringvalidator.OneOf(backendModes...)},
				PlanModifiers:       managedString(),
			},
			"timeout_connect": timeout("connect"),
			"timeout_client":  timeout("client"),
			"timeout_server":  timeout("server"),
			"httplog": schema.BoolAttribute{
				MarkdownDescription: "Whether the defaults section has `option httplog`." + leaveAlone,
				Optional:            true,
				Computed:            true,
				PlanModifiers:       []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
			},
			"forwardfor": schema.BoolAttribute{
				MarkdownDescription: "Whether the defaults section has `option forwardfor` (an existing `except` or `header` is kept)." + leaveAlone,
				Optional:            true,
				Computed:            true,
				PlanModifiers:       []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
			},
			"enabled": schema.BoolAttribute{
				MarkdownDescription: "Whether HAProxy's systemd unit starts at boot (`systemctl enable`/`disable`). Defaults to `true`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(true),
			},
			"running": schema.BoolAttribute{
				MarkdownDescription: "Whether HAProxy runs now (`systemctl start`/`stop`); a stopped HAProxy shows up as a difference " +
					"in the next plan. Defaults to `true`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"global_extra_lines":   haproxyExtraLinesAttribute(grammar.SectionGlobal),
			"defaults_extra_lines": haproxyExtraLinesAttribute(grammar.SectionDefaults),
		},
	}
}

func (r *haproxyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.machine = machineFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *haproxyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.apply(ctx, "Create", req.Config, req.Plan, &resp.State, &resp.Diagnostics)
}

func (r *haproxyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.apply(ctx, "Update", req.Config, req.Plan, &resp.State, &resp.Diagnostics)
}

// getter is tfsdk.Config and tfsdk.Plan.
type getter interface {
	Get(ctx context.Context, target any) diag.Diagnostics
}

// apply sends what the configuration sets (not the plan: a value the plan
// carries over from state for an attribute left out is not managed) and
// stores what the machine runs afterwards.
func (r *haproxyResource) apply(ctx context.Context, verb string, config, plan getter, state stateSetter, diags *diag.Diagnostics) {
	var cfg, pl instanceModel
	diags.Append(config.Get(ctx, &cfg)...)
	diags.Append(plan.Get(ctx, &pl)...)
	if diags.HasError() {
		return
	}
	summary := "Unable to " + verb + " HAProxy Settings"
	if r.machine == nil {
		diags.AddError(summary, "Could not change the HAProxy settings: "+errNotConfigured)
		return
	}
	// Defaults of run_as_root, the state file, hard-stop-after, enabled
	// and running live in the plan.
	cfg.RunAsRoot, cfg.Enabled, cfg.Running = pl.RunAsRoot, pl.Enabled, pl.Running
	cfg.StateFile, cfg.HardStopAfter = pl.StateFile, pl.HardStopAfter
	in, d := haproxyToAPI(ctx, cfg)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	var got api.Instance
	if err := r.machine.Call(ctx, api.MethodInstanceApply, in, &got); err != nil {
		diags.AddError(summary, "Could not change the HAProxy settings: "+err.Error())
		return
	}
	diags.Append(setHAProxyState(ctx, state, pl, got)...)
}

type stateSetter interface {
	Set(ctx context.Context, val any) diag.Diagnostics
}

func (r *haproxyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var prior instanceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.machine == nil {
		resp.Diagnostics.AddError("Unable to Read HAProxy Settings", "Could not read the HAProxy settings: "+errNotConfigured)
		return
	}
	var got api.Instance
	if err := r.machine.Call(ctx, api.MethodInstanceGet, nil, &got); err != nil {
		resp.Diagnostics.AddError("Unable to Read HAProxy Settings", "Could not read the HAProxy settings: "+err.Error())
		return
	}
	resp.Diagnostics.Append(setHAProxyState(ctx, &resp.State, prior, got)...)
}

// Delete stops managing HAProxy and changes nothing on the machine: removing
// global settings or stopping the load balancer is never what destroying a
// description of it should do.
func (r *haproxyResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

func (r *haproxyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID != haproxyInstanceID {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf(
			"The import id of switchyard_haproxy is always %q (there is one HAProxy per machine), not %q.", haproxyInstanceID, req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), haproxyInstanceID)...)
	resp.Diagnostics.Append(markAdopted(ctx, resp.Private)...)
}

// haproxyToAPI turns the configured (non-null) attributes into a request.
func haproxyToAPI(ctx context.Context, m instanceModel) (api.Instance, diag.Diagnostics) {
	var diags diag.Diagnostics
	in := api.Instance{
		Maxconn:    m.Maxconn.ValueInt64Pointer(),
		Nbthread:   m.Nbthread.ValueInt64Pointer(),
		RunAsRoot:  m.RunAsRoot.ValueBoolPointer(),
		Mode:       m.Mode.ValueString(),
		Httplog:    m.Httplog.ValueBoolPointer(),
		Forwardfor: m.Forwardfor.ValueBoolPointer(),
		Enabled:    m.Enabled.ValueBoolPointer(),
		Running:    m.Running.ValueBoolPointer(),

		GlobalExtraLines:   extraLinesToAPI(m.GlobalExtraLines),
		DefaultsExtraLines: extraLinesToAPI(m.DefaultsExtraLines),
	}
	for _, t := range []struct {
		v   types.String
		dst **int64
	}{{m.TimeoutConnect, &in.TimeoutConnect}, {m.TimeoutClient, &in.TimeoutClient}, {m.TimeoutServer, &in.TimeoutServer}} {
		if t.v.IsNull() || t.v.IsUnknown() {
			continue
		}
		ms, err := timeoutMillis(t.v.ValueString())
		if err != nil {
			diags.AddError("Invalid Timeout", err.Error())
			continue
		}
		*t.dst = &ms
	}
	if !m.StateFile.IsNull() && !m.StateFile.IsUnknown() {
		in.ServerStateFile = m.StateFile.ValueStringPointer()
	}
	if !m.HardStopAfter.IsNull() && !m.HardStopAfter.IsUnknown() {
		ms := int64(0) // "": none
		if v := m.HardStopAfter.ValueString(); v != "" {
			var err error
			if ms, err = timeoutMillis(v); err != nil {
				diags.AddError("Invalid Duration", err.Error())
			}
		}
		in.HardStopAfter = &ms
	}
	if !m.LogTargets.IsNull() && !m.LogTargets.IsUnknown() {
		var targets []logTargetModel
		diags.Append(m.LogTargets.ElementsAs(ctx, &targets, false)...)
		list := make([]api.LogTarget, 0, len(targets))
		for _, t := range targets {
			list = append(list, api.LogTarget{Address: t.Address.ValueString(), Facility: t.Facility.ValueString(), Level: t.Level.ValueString()})
		}
		in.LogTargets = &list
	}
	return in, diags
}

// setHAProxyState stores what the machine runs. A timeout keeps the
// spelling of prior (plan or state) when it means the same number of
// milliseconds, so "5s" does not turn into "5000ms" and plan a change.
func setHAProxyState(ctx context.Context, state stateSetter, prior instanceModel, got api.Instance) diag.Diagnostics {
	m := instanceModel{
		ID:            types.StringValue(haproxyInstanceID),
		Maxconn:       types.Int64PointerValue(got.Maxconn),
		Nbthread:      types.Int64PointerValue(got.Nbthread),
		RunAsRoot:     types.BoolPointerValue(got.RunAsRoot),
		RuntimeSocket: types.StringValue(got.RuntimeSocket),
		// Off reads as "": the defaults then plan it back on.
		StateFile:      types.StringValue(""),
		HardStopAfter:  types.StringValue(""),
		DefaultsName:   types.StringValue(got.DefaultsName),
		Mode:           stringOrNull(got.Mode),
		TimeoutConnect: timeoutValue(prior.TimeoutConnect, got.TimeoutConnect),
		TimeoutClient:  timeoutValue(prior.TimeoutClient, got.TimeoutClient),
		TimeoutServer:  timeoutValue(prior.TimeoutServer, got.TimeoutServer),
		Httplog:        types.BoolPointerValue(got.Httplog),
		Forwardfor:     types.BoolPointerValue(got.Forwardfor),
		Enabled:        types.BoolPointerValue(got.Enabled),
		Running:        types.BoolPointerValue(got.Running),
	}
	// A setting the state never had (an import; an adopted machine whose
	// global does not say it) reads as null when the machine does not
	// say it either: not managed, so nothing is forced into global.
	if prior.StateFile.IsNull() {
		m.StateFile = types.StringNull()
	}
	if prior.HardStopAfter.IsNull() {
		m.HardStopAfter = types.StringNull()
	}
	// The agent says "" for a state file that is off.
	if got.ServerStateFile != nil && (*got.ServerStateFile != "" || !prior.StateFile.IsNull()) {
		m.StateFile = types.StringValue(*got.ServerStateFile)
	}
	// Right after an import prior holds only the id; enabled, which has a
	// default, is set in every other plan and state.
	imported := prior.Enabled.IsNull()
	m.GlobalExtraLines = extraLinesState(imported, prior.GlobalExtraLines != nil, got.GlobalExtraLines)
	m.DefaultsExtraLines = extraLinesState(imported, prior.DefaultsExtraLines != nil, got.DefaultsExtraLines)
	if got.HardStopAfter != nil {
		m.HardStopAfter = durationValue(prior.HardStopAfter, got.HardStopAfter, formatLargestUnit)
	}
	objType := types.ObjectType{AttrTypes: logTargetAttrTypes}
	var diags diag.Diagnostics
	if got.LogTargets == nil {
		m.LogTargets = types.ListNull(objType)
	} else {
		elems := make([]attr.Value, 0, len(*got.LogTargets))
		for _, t := range *got.LogTargets {
			o, d := types.ObjectValue(logTargetAttrTypes, map[string]attr.Value{
				"address":  types.StringValue(t.Address),
				"facility": types.StringValue(t.Facility),
				"level":    stringOrNull(t.Level),
			})
			diags.Append(d...)
			elems = append(elems, o)
		}
		list, d := types.ListValue(objType, elems)
		diags.Append(d...)
		m.LogTargets = list
	}
	if diags.HasError() {
		return diags
	}
	diags.Append(state.Set(ctx, &m)...)
	return diags
}

func timeoutValue(prior types.String, ms *int64) types.String {
	return durationValue(prior, ms, formatMillis)
}

// durationValue is ms in prior's spelling when it means the same, else as
// format writes it; null when ms is.
func durationValue(prior types.String, ms *int64, format func(int64) string) types.String {
	if ms == nil {
		return types.StringNull()
	}
	if !prior.IsNull() && !prior.IsUnknown() {
		if p, err := timeoutMillis(prior.ValueString()); err == nil && p == *ms {
			return prior
		}
	}
	return types.StringValue(format(*ms))
}

// formatLargestUnit writes ms in the largest unit that holds it whole
// ("30m", "2h", "90s"), so that an imported hard-stop-after equal to the
// default reads back exactly as the default and ImportStateVerify agrees.
func formatLargestUnit(ms int64) string {
	switch {
	case ms%3_600_000 == 0:
		return fmt.Sprintf("%dh", ms/3_600_000)
	case ms%60_000 == 0:
		return fmt.Sprintf("%dm", ms/60_000)
	}
	return formatMillis(ms)
}

// timeoutMillis parses a Go-style duration ("5s", "1m30s", "500ms") into
// whole milliseconds, HAProxy's unit for timeouts.
func timeoutMillis(s string) (int64, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as \"5s\", \"500ms\" or \"1m30s\"", s)
	}
	if d < time.Millisecond || d%time.Millisecond != 0 {
		return 0, fmt.Errorf("%q must be a positive whole number of milliseconds", s)
	}
	return d.Milliseconds(), nil
}

func formatMillis(ms int64) string {
	if ms%1000 == 0 {
		return fmt.Sprintf("%ds", ms/1000)
	}
	return fmt.Sprintf("%dms", ms)
}

func haproxyTimeoutValidator() stringCheck {
	return stringCheck{
		description: `a duration of at least 1 ms such as "5s", "500ms" or "1m30s"`,
		check: func(s string) error {
			_, err := timeoutMillis(s)
			return err
		},
	}
}

// hardStopAfterValidator is a duration as for the timeouts, or "" (none).
func hardStopAfterValidator() stringCheck {
	return stringCheck{
		description: `a duration of at least 1 ms such as "30s" or "30m"`,
		check: func(s string) error {
			if s == "" {
				return nil
			}
			_, err := timeoutMillis(s)
			return err
		},
	}
}

// serverStateFileValidator accepts "" (off) or an absolute path that is one
// word of haproxy.cfg.
func serverStateFileValidator() stringCheck {
	return stringCheck{
		description: `an absolute path, or "" for none`,
		check: func(s string) error {
			if s == "" {
				return nil
			}
			if !strings.HasPrefix(s, "/") {
				return fmt.Errorf("%q is not an absolute path; use \"\" to turn the server state file off", s)
			}
			for _, r := range s {
				if r <= ' ' || r == '#' || r == '"' || r == '\'' || r == '\\' || r == 0x7f {
					return fmt.Errorf("%q contains %s, which a path in haproxy.cfg cannot have", s, grammar.DescribeRune(r))
				}
			}
			return nil
		},
	}
}

// logAddressValidator accepts one token: a path or host:port.
func logAddressValidator() stringCheck {
	return stringCheck{
		description: "a socket path or host:port without spaces",
		check: func(s string) error {
			if s == "" {
				return fmt.Errorf("the address must not be empty")
			}
			for _, r := range s {
				if r <= ' ' || r == '#' || r == '"' || r == '\'' || r == '\\' || r == 0x7f {
					return fmt.Errorf("%q contains %s, which a log address cannot have", s, grammar.DescribeRune(r))
				}
			}
			return nil
		},
	}
}

// equivalentTimeout keeps the state's spelling when the plan (the
// configuration, or the attribute's default) says the same duration
// differently ("5000ms" for "5s", "30m" for an imported "1800s"): no change.
type equivalentTimeout struct{}

func (equivalentTimeout) Description(context.Context) string {
	return "durations that mean the same number of milliseconds are equal"
}

func (v equivalentTimeout) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (equivalentTimeout) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.StateValue.IsNull() || req.StateValue.IsUnknown() || req.PlanValue.IsNull() || req.PlanValue.IsUnknown() {
		return
	}
	a, errA := timeoutMillis(req.StateValue.ValueString())
	b, errB := timeoutMillis(req.PlanValue.ValueString())
	if errA == nil && errB == nil && a == b {
		resp.PlanValue = req.StateValue
	}
}

// missingRuntimeSocket turns a runtime socket removed by hand (read back as
// "") into a planned change, so that the apply puts it back: the provider's
// runtime changes (maps) depend on it.
type missingRuntimeSocket struct{}

func (missingRuntimeSocket) Description(context.Context) string {
	return "a runtime socket missing from global is planned to be added back"
}

func (v missingRuntimeSocket) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (missingRuntimeSocket) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if !req.StateValue.IsNull() && !req.StateValue.IsUnknown() && req.StateValue.ValueString() == "" {
		resp.PlanValue = types.StringUnknown()
	}
}
