package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
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
	machine caller
}

// NewNamespaceResource is the switchyard_namespace factory.
func NewNamespaceResource() resource.Resource { return &namespaceResource{} }

type namespaceModel struct {
	ID   types.String `tfsdk:"id"`
	Name types.String `tfsdk:"name"`
	Unit types.String `tfsdk:"unit"`
}

func (r *namespaceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_namespace"
}

func (r *namespaceResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = namespaceSchema()
}

func namespaceSchema() schema.Schema {
	name := unitWordValidator("namespace")
	return schema.Schema{
		MarkdownDescription: "A named network namespace (`/run/netns/<name>`) with its loopback up, as `ip netns add` makes it. " +
			"It is backed by an enabled systemd unit, `switchyard-netns@<name>.service`, so it comes back after a reboot, " +
			"and HAProxy is ordered after it so that `namespace` servers work at boot. " +
			"A namespace deleted by hand, or whose unit was disabled, shows up in the next plan as one to create, and apply repairs it " +
			"(restarting the services that ran in the old one). Deleting a namespace that a `switchyard_service` still uses fails and names the service. " +
			"Reference `name` from backends' `namespace` servers, so HAProxy's configuration is checked only once the namespace exists.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The namespace's name, which identifies it on the machine.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the namespace, " + name.description + ". Changing it replaces the namespace. It is required and has no default.",
				Required:            true,
				Validators:          []validator.String{name},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"unit": schema.StringAttribute{
				MarkdownDescription: "The systemd unit that creates the namespace at boot, for `Requires=`/`After=` in units of your own. It is computed.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *namespaceResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.machine = machineFrom(req.ProviderData, &resp.Diagnostics)
}

// ensure creates or repairs the namespace; Create and Update are the same.
func (r *namespaceResource) ensure(ctx context.Context, name string) (namespaceModel, error) {
	if r.machine == nil {
		return namespaceModel{}, errors.New(errNotConfigured)
	}
	var got api.Namespace
	if err := r.machine.Call(ctx, api.MethodNamespaceEnsure, api.NamespaceRef{Name: name}, &got); err != nil {
		return namespaceModel{}, err
	}
	return namespaceFromAPI(got), nil
}

func namespaceFromAPI(ns api.Namespace) namespaceModel {
	return namespaceModel{ID: types.StringValue(ns.Name), Name: types.StringValue(ns.Name), Unit: types.StringValue(ns.Unit)}
}

func (r *namespaceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan namespaceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m, err := r.ensure(ctx, plan.Name.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Unable to Create Namespace", fmt.Sprintf("Could not create network namespace %q: %s", plan.Name.ValueString(), err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *namespaceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state namespaceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.Name.ValueString()
	if r.machine == nil {
		resp.Diagnostics.AddError("Unable to Read Namespace", fmt.Sprintf("Could not read network namespace %q: %s", name, errNotConfigured))
		return
	}
	var got api.Namespace
	err := r.machine.Call(ctx, api.MethodNamespaceGet, api.NamespaceRef{Name: name}, &got)
	if errors.Is(err, api.ErrNotFound) || (err == nil && (!got.Exists || !got.Enabled)) {
		// Gone, or half there (deleted by hand, or it would not come back
		// after a reboot): the plan shows a create, and Create, which is
		// idempotent, repairs whatever is missing.
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to Read Namespace", fmt.Sprintf("Could not read network namespace %q: %s", name, err))
		return
	}
	m := namespaceFromAPI(got)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *namespaceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan namespaceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m, err := r.ensure(ctx, plan.Name.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Unable to Update Namespace", fmt.Sprintf("Could not update network namespace %q: %s", plan.Name.ValueString(), err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *namespaceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state namespaceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.Name.ValueString()
	deleteObject(ctx, r.machine, resp, "Namespace", "network namespace", name, api.MethodNamespaceDelete, api.NamespaceRef{Name: name})
}

func (r *namespaceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if grammar.NamespaceName(req.ID) != nil {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("import id %q: expected the namespace's name as in /run/netns, as in "+
			"`terraform import switchyard_namespace.app app`", req.ID))
		return
	}
	importByName(ctx, resp, req.ID)
}
