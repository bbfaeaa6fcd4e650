package provider

import (
	"context"
	"fmt"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

var (
	_ resource.Resource                   = (*serviceResource)(nil)
	_ resource.ResourceWithConfigure      = (*serviceResource)(nil)
	_ resource.ResourceWithImportState    = (*serviceResource)(nil)
	_ resource.ResourceWithValidateConfig = (*serviceResource)(nil)
)

const defaultRestart = "on-failure"

// serviceResource is switchyard_service: a unit file
// /etc/systemd/system/NAME.service that the provider writes, and the
// service's enabled and running state.
type serviceResource struct {
	lifecycle[serviceModel, api.Service]
}

// NewServiceResource is the switchyard_service factory.
func NewServiceResource() resource.Resource {
	return &serviceResource{lifecycle[serviceModel, api.Service]{kind: serviceKind}}
}

var serviceKind = kind[serviceModel, api.Service]{
	title: "Service", noun: "service",
	typeName: "_service", schema: serviceSchema,
	id:  func(m serviceModel) string { return m.Name.ValueString() },
	ref: func(m serviceModel) any { return api.ServiceRef{Name: m.Name.ValueString()} },
	// Import is strict: a unit with lines the resource does not model is
	// refused rather than adopted and rewritten (systemd.Importable).
	importRef: func(m serviceModel) any { return api.ServiceRef{Name: m.Name.ValueString(), Import: true} },
	getMethod: api.MethodServiceGet, createMethod: api.MethodServiceApply,
	updateMethod: api.MethodServiceApply, deleteMethod: api.MethodServiceDelete,
	toWire: func(_ context.Context, w write[serviceModel]) (any, diag.Diagnostics, error) {
		s := serviceToAPI(w.plan)
		s.Create = w.create
		return s, nil, nil
	},
	fromWire: func(_ context.Context, prior *serviceModel, got api.Service) (serviceModel, diag.Diagnostics) {
		// Readiness is not on the machine: it comes from the plan or the
		// prior state (none after import).
		readiness := types.Int64Null()
		if prior != nil {
			readiness = prior.ReadinessPort
		}
		return serviceFromAPI(got, readiness), nil
	},
	existsHint:   "a unit of that name exists on the machine and was not written by Switchyard; choose another name.",
	keepRejected: true,
	importState:  importName(grammar.ServiceName, "the service's name without .service, as in `terraform import switchyard_service.app app`"),
}

type serviceModel struct {
	ID               types.String            `tfsdk:"id"`
	Name             types.String            `tfsdk:"name"`
	Description      types.String            `tfsdk:"description"`
	ExecStart        []types.String          `tfsdk:"exec_start"`
	WorkingDirectory types.String            `tfsdk:"working_directory"`
	Environment      map[string]types.String `tfsdk:"environment"`
	User             types.String            `tfsdk:"user"`
	Namespace        types.String            `tfsdk:"namespace"`
	PrivateNetwork   types.Bool              `tfsdk:"private_network"`
	Sandbox          types.Bool              `tfsdk:"sandbox"`
	ReadWritePaths   []types.String          `tfsdk:"read_write_paths"`
	StateDirectory   types.String            `tfsdk:"state_directory"`
	CPUQuota         types.String            `tfsdk:"cpu_quota"`
	CPUWeight        types.Int64             `tfsdk:"cpu_weight"`
	MemoryMax        types.String            `tfsdk:"memory_max"`
	IOWeight         types.Int64             `tfsdk:"io_weight"`
	TasksMax         types.Int64             `tfsdk:"tasks_max"`
	Restart          types.String            `tfsdk:"restart"`
	ReadinessPort    types.Int64             `tfsdk:"readiness_port"`
	Enabled          types.Bool              `tfsdk:"enabled"`
	Running          types.Bool              `tfsdk:"running"`
}

func serviceSchema() schema.Schema {
	name := unitWordValidator("service")
	optString := func(desc string, v ...validator.String) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Optional: true, Validators: v}
	}
	optBool := func(desc string, def bool) schema.BoolAttribute {
		return schema.BoolAttribute{MarkdownDescription: desc, Optional: true, Computed: true, Default: booldefault.StaticBool(def)}
	}
	return schema.Schema{
		MarkdownDescription: "A systemd service that the provider writes (`/etc/systemd/system/<name>.service`) and controls. " +
			"It runs sandboxed by default, as a dynamic user, optionally inside a `switchyard_namespace`. " +
			"The unit is written only when it changes, and apply waits (at most 30 seconds) until the service is active and, " +
			"with `readiness_port`, accepts connections; if it does not start, the error shows `systemctl status` and the last 20 journal lines. " +
			"A hand-edited unit file, a stopped or a disabled service shows up in the next plan, and apply repairs it; " +
			"lines of the unit that no attribute manages are not read, so adding one by hand is not seen as a difference. " +
			"Import is strict: it accepts only a unit file that is exactly what the resource would write for it, and otherwise " +
			"names the first line it cannot represent, so adopting a hand-written unit never drops a line silently " +
			"(`switchyard_inventory` lists importable services by the same rule).",
		Attributes: map[string]schema.Attribute{
			"id": idAttribute("The service's name, which identifies it on the machine."),
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the service without `.service`, " + name.description + ". Changing it replaces the service. It is required and has no default.",
				Required:            true,
				Validators:          []validator.String{name},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "Description of the unit (`Description=`). Defaults to `\"\"`.",
				Optional:            true, Computed: true, Default: stringdefault.StaticString(""),
			},
			"exec_start": schema.ListAttribute{
				MarkdownDescription: "The program and its arguments (`ExecStart=`), one list element per argument, passed exactly as written: " +
					"no shell is involved, and the provider escapes quotes, spaces, `$` and `%` so that systemd does not expand them. " +
					"The program is an absolute path or a command name. It is required and has no default.",
				ElementType: types.StringType,
				Required:    true,
			},
			"working_directory": optString("Working directory of the program (`WorkingDirectory=`), "+absolutePathValidator().description+". Defaults to the root directory.", absolutePathValidator()),
			"environment": schema.MapAttribute{
				MarkdownDescription: "Environment variables of the program (`Environment=`); values are passed exactly as written. Defaults to none.",
				ElementType:         types.StringType,
				Optional:            true, Computed: true,
				Default: mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
			},
			"user": optString("User the program runs as (`User=`). Defaults to a dynamic user allocated when the service starts (`DynamicUser=yes`).", unitNameValidator()),
			"namespace": optString("Name of a `switchyard_namespace` to run the service in (`NetworkNamespacePath=/run/netns/<name>`); the unit requires and starts after the namespace's unit. "+
				"Reference the namespace resource's `name` so it is created first. Defaults to the machine's own network.", unitWordValidator("namespace")),
			"private_network": optBool("Whether the service gets a fresh network namespace of its own with only loopback (`PrivateNetwork=yes`). Defaults to `false`.", false),
			"sandbox": schema.BoolAttribute{
				MarkdownDescription: "Whether the service is sandboxed: `ProtectSystem=strict`, `ProtectHome=yes`, `PrivateTmp=yes`, `PrivateDevices=yes`, `NoNewPrivileges=yes`, " +
					"`RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6`, `SystemCallFilter=@system-service` and an empty `CapabilityBoundingSet=`. " +
					"With the sandbox the file system is read-only except `read_write_paths` and `state_directory`. " +
					"Left out, a service Switchyard creates is sandboxed; an imported unit (written by hand) stays as it is, so importing it plans " +
					"no rewrite and no restart. Defaults to `true` on create and to what the unit has on import.",
				Optional: true, Computed: true,
				PlanModifiers: []planmodifier.Bool{inheritedOrDefaultBool(true)},
			},
			"read_write_paths": schema.ListAttribute{
				MarkdownDescription: "Paths the service may write despite the sandbox (`ReadWritePaths=`). Defaults to none.",
				ElementType:         types.StringType,
				Optional:            true, Computed: true,
				Default: listdefault.StaticValue(types.ListValueMust(types.StringType, []attr.Value{})),
			},
			"state_directory": optString("Name of a directory under /var/lib that systemd creates for the service, owned by its user and writable in the sandbox (`StateDirectory=`). Defaults to none.", unitWordValidator("state directory")),
			"cpu_quota":       optString("CPU time the service may use, "+cpuQuotaValidator().description+" (`CPUQuota=`). Defaults to no limit.", cpuQuotaValidator()),
			"cpu_weight": schema.Int64Attribute{
				MarkdownDescription: "Relative CPU weight, from 1 to 10000 (`CPUWeight=`). Defaults to systemd's default, 100.",
				Optional:            true, Validators: []validator.Int64{int64validator.Between(1, 10000)},
			},
			"memory_max": optString("Memory limit, "+memoryMaxValidator().description+" (`MemoryMax=`). Defaults to no limit.", memoryMaxValidator()),
			"io_weight": schema.Int64Attribute{
				MarkdownDescription: "Relative IO weight, from 1 to 10000 (`IOWeight=`). Defaults to systemd's default, 100.",
				Optional:            true, Validators: []validator.Int64{int64validator.Between(1, 10000)},
			},
			"tasks_max": schema.Int64Attribute{
				MarkdownDescription: "Maximum number of tasks (processes and threads), from 1 to 4194304 (`TasksMax=`). Defaults to systemd's default.",
				Optional:            true, Validators: []validator.Int64{int64validator.Between(1, 4194304)},
			},
			"restart": schema.StringAttribute{
				MarkdownDescription: "When systemd restarts the service (`Restart=`): " + quotedList(restartPolicies) + ". " +
					"Left out, a service Switchyard creates gets `" + defaultRestart + "`; an imported unit without `Restart=` reads as null and stays so " +
					"(systemd's own default, `no`), so importing it plans no rewrite and no restart. Defaults to `" + defaultRestart + "` on create and to what the unit has on import.",
				Optional: true, Computed: true, PlanModifiers: []planmodifier.String{inheritedOrDefault(defaultRestart)},
				Validators: []validator.String{stringvalidator.OneOf(restartPolicies...)},
			},
			"readiness_port": schema.Int64Attribute{
				MarkdownDescription: "A TCP port on 127.0.0.1, inside the service's network namespace, that apply waits for until it accepts a connection. " +
					"It is not part of the unit. Defaults to waiting only until the service is active.",
				Optional: true, Validators: []validator.Int64{int64validator.Between(1, 65535)},
			},
			"enabled": optBool("Whether the service starts at boot (`systemctl enable`). Defaults to `true`.", true),
			"running": optBool("Whether the service is running (`systemctl start`/`stop`). Defaults to `true`.", true),
		},
	}
}

func (r *serviceResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	// A list computed from a module variable (for expressions) is unknown
	// as a whole at `terraform validate`: check it once it is known.
	var list types.List
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("exec_start"), &list)...)
	if resp.Diagnostics.HasError() || list.IsNull() || list.IsUnknown() {
		return
	}
	var args []types.String
	resp.Diagnostics.Append(list.ElementsAs(ctx, &args, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plain := make([]string, 0, len(args))
	for _, a := range args {
		if a.IsUnknown() || a.IsNull() {
			return
		}
		plain = append(plain, a.ValueString())
	}
	if err := checkExecStart(plain); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("exec_start"), "Invalid Attribute Value", err.Error())
	}
	var envMap types.Map
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("environment"), &envMap)...)
	if envMap.IsNull() || envMap.IsUnknown() {
		return
	}
	for k := range envMap.Elements() {
		if !envNameRe.MatchString(k) {
			resp.Diagnostics.AddAttributeError(path.Root("environment"), "Invalid Attribute Value",
				fmt.Sprintf("%q is not an environment variable name: use letters, digits and '_', not starting with a digit", k))
		}
	}
}

func serviceToAPI(m serviceModel) api.Service {
	s := api.Service{
		Name:             m.Name.ValueString(),
		Description:      m.Description.ValueString(),
		WorkingDirectory: m.WorkingDirectory.ValueString(),
		User:             m.User.ValueString(),
		Namespace:        m.Namespace.ValueString(),
		PrivateNetwork:   m.PrivateNetwork.ValueBool(),
		Sandbox:          m.Sandbox.ValueBool(),
		StateDirectory:   m.StateDirectory.ValueString(),
		CPUQuota:         m.CPUQuota.ValueString(),
		CPUWeight:        m.CPUWeight.ValueInt64Pointer(),
		MemoryMax:        m.MemoryMax.ValueString(),
		IOWeight:         m.IOWeight.ValueInt64Pointer(),
		TasksMax:         m.TasksMax.ValueInt64Pointer(),
		Restart:          m.Restart.ValueString(),
		ReadinessPort:    m.ReadinessPort.ValueInt64Pointer(),
		Enabled:          m.Enabled.ValueBool(),
		Running:          m.Running.ValueBool(),
	}
	for _, a := range m.ExecStart {
		s.ExecStart = append(s.ExecStart, a.ValueString())
	}
	for _, p := range m.ReadWritePaths {
		s.ReadWritePaths = append(s.ReadWritePaths, p.ValueString())
	}
	if len(m.Environment) > 0 {
		s.Environment = map[string]string{}
		for k, v := range m.Environment {
			s.Environment[k] = v.ValueString()
		}
	}
	return s
}

// serviceFromAPI maps what the machine reports; readiness is not on the
// machine and is carried over from the plan or the prior state.
func serviceFromAPI(s api.Service, readiness types.Int64) serviceModel {
	m := serviceModel{
		ID:               types.StringValue(s.Name),
		Name:             types.StringValue(s.Name),
		Description:      types.StringValue(s.Description),
		ExecStart:        []types.String{},
		WorkingDirectory: stringOrNull(s.WorkingDirectory),
		Environment:      map[string]types.String{},
		User:             stringOrNull(s.User),
		Namespace:        stringOrNull(s.Namespace),
		PrivateNetwork:   types.BoolValue(s.PrivateNetwork),
		Sandbox:          types.BoolValue(s.Sandbox),
		ReadWritePaths:   []types.String{},
		StateDirectory:   stringOrNull(s.StateDirectory),
		CPUQuota:         stringOrNull(s.CPUQuota),
		CPUWeight:        types.Int64PointerValue(s.CPUWeight),
		MemoryMax:        stringOrNull(s.MemoryMax),
		IOWeight:         types.Int64PointerValue(s.IOWeight),
		TasksMax:         types.Int64PointerValue(s.TasksMax),
		Restart:          stringOrNull(s.Restart),
		ReadinessPort:    readiness,
		Enabled:          types.BoolValue(s.Enabled),
		Running:          types.BoolValue(s.Running),
	}
	for _, a := range s.ExecStart {
		m.ExecStart = append(m.ExecStart, types.StringValue(a))
	}
	for _, p := range s.ReadWritePaths {
		m.ReadWritePaths = append(m.ReadWritePaths, types.StringValue(p))
	}
	for k, v := range maps.All(s.Environment) {
		m.Environment[k] = types.StringValue(v)
	}
	return m
}
