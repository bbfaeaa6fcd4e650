package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

var (
	_ resource.Resource                = (*namespaceResource)(nil)
	_ resource.ResourceWithConfigure   = (*namespaceResource)(nil)
	_ resource.ResourceWithImportState = (*namespaceResource)(nil)
)

// namespaceResource is switchyard_namespace: a named network namespace and
// the systemd unit that brings it back at boot.
type namespaceResource struct {
	lifecycle[namespaceModel, api.Namespace]
}

// NewNamespaceResource is the switchyard_namespace factory.
func NewNamespaceResource() resource.Resource {
	return &namespaceResource{lifecycle[namespaceModel, api.Namespace]{kind: namespaceKind}}
}

var namespaceKind = kind[namespaceModel, api.Namespace]{
	title: "Namespace", noun: "network namespace",
	typeName: "_namespace", schema: namespaceSchema,
	id:  func(m namespaceModel) string { return m.Name.ValueString() },
	ref: func(m namespaceModel) any { return api.NamespaceRef{Name: m.Name.ValueString()} },
	// Ensure creates or repairs whatever is missing: Create and Update are
	// the same.
	getMethod: api.MethodNamespaceGet, createMethod: api.MethodNamespaceEnsure,
	updateMethod: api.MethodNamespaceEnsure, deleteMethod: api.MethodNamespaceDelete,
	toWire: noWireDiags(func(m namespaceModel) any {
		boot := m.Boot.IsNull() || m.Boot.IsUnknown() || m.Boot.ValueBool()
		return api.NamespaceRef{Name: m.Name.ValueString(), Boot: &boot}
	}),
	fromWire: func(_ context.Context, _ *namespaceModel, ns api.Namespace) (namespaceModel, diag.Diagnostics) {
		return namespaceModel{
			ID: types.StringValue(ns.Name), Name: types.StringValue(ns.Name), Unit: types.StringValue(ns.Unit),
			Boot: types.BoolValue(ns.Enabled),
		}, nil
	},
	// Deleted by hand: the plan shows a create, and Ensure repairs it. A
	// unit disabled by hand reads as boot = false, an update that Ensure
	// repairs too.
	absent: func(ns api.Namespace) bool { return !ns.Exists },
	importState: importName(grammar.NamespaceName, "the namespace's name as in /run/netns, as in "+
		"`terraform import switchyard_namespace.app app`"),
}

type namespaceModel struct {
	ID   types.String `tfsdk:"id"`
	Name types.String `tfsdk:"name"`
	Unit types.String `tfsdk:"unit"`
	Boot types.Bool   `tfsdk:"boot"`
}

func namespaceSchema() schema.Schema {
	name := unitWordValidator("namespace")
	return schema.Schema{
		MarkdownDescription: "A named network namespace (`/run/netns/<name>`) with its loopback up, as `ip netns add` makes it. " +
			"It is backed by an enabled systemd unit, `switchyard-netns@<name>.service`, so it comes back after a reboot, " +
			"and HAProxy is ordered after it so that `namespace` servers work at boot. " +
			"A namespace deleted by hand shows up in the next plan as one to create, one whose unit was disabled as a change of `boot`, and apply repairs either " +
			"(restarting the services that ran in the old one). Deleting a namespace that a `switchyard_service` still uses fails and names the service. " +
			"Reference `name` from backends' `namespace` servers, so HAProxy's configuration is checked only once the namespace exists.",
		Attributes: map[string]schema.Attribute{
			"id": idAttribute("The namespace's name, which identifies it on the machine."),
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the namespace, " + name.description + ". Changing it replaces the namespace. It is required and has no default.",
				Required:            true,
				Validators:          []validator.String{name},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"boot": schema.BoolAttribute{
				MarkdownDescription: "Whether the namespace comes back at boot: its unit `switchyard-netns@<name>.service` is enabled and HAProxy is ordered after it. " +
					"`false` keeps a namespace someone made with `ip netns add` as it is, with no unit, so it is gone after a reboot as before; " +
					"importing such a namespace reads `false`, so adopting a machine changes nothing on it. Set it to `true` (or remove it) to have Switchyard bring it back at boot. " +
					"The default is `true`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"unit": schema.StringAttribute{
				MarkdownDescription: "The systemd unit that creates the namespace at boot (when `boot` is true), for `Requires=`/`After=` in units of your own. It is computed.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}
