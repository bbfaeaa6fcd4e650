package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

var (
	_ resource.Resource                = (*mapEntryResource)(nil)
	_ resource.ResourceWithConfigure   = (*mapEntryResource)(nil)
	_ resource.ResourceWithImportState = (*mapEntryResource)(nil)
)

// mapEntryResource is switchyard_map_entry: one key of a map file that
// Terraform does not own as a whole.
type mapEntryResource struct {
	machine caller
}

// NewMapEntryResource is the switchyard_map_entry factory.
func NewMapEntryResource() resource.Resource { return &mapEntryResource{} }

type mapEntryModel struct {
	ID    types.String `tfsdk:"id"`
	Map   types.String `tfsdk:"map"`
	Key   types.String `tfsdk:"key"`
	Value types.String `tfsdk:"value"`
	Path  types.String `tfsdk:"path"`
}

func (r *mapEntryResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_map_entry"
}

func (r *mapEntryResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = mapEntrySchema()
}

func mapEntrySchema() schema.Schema {
	return schema.Schema{
		MarkdownDescription: "One key of an HAProxy map file (`<maps_dir>/<map>.map`) whose other entries Terraform leaves alone, " +
			"for a map that other tools or people also fill. The value is set in the running HAProxy through its runtime API " +
			"(`set map` or `add map`) **without a reload**, and in the file, whose other lines stay as they are; the file is created " +
			"if it does not exist and is left in place when the last entry is destroyed. While the running HAProxy does not use the map, or is stopped, only the file is written. " +
			"A value changed by hand in the file or at runtime shows up as a difference in the next plan. " +
			"Manage a map either with `switchyard_map` (which owns every entry) or with entries, not both: " +
			"the two would undo each other's changes.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<map>/<key>`, which identifies the entry on the machine.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"map": schema.StringAttribute{
				MarkdownDescription: "Name of the map file without `.map`, " + mapNameValidator().description +
					". Changing it replaces the entry. It is required and has no default.",
				Required:      true,
				Validators:    []validator.String{mapNameValidator()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"key": schema.StringAttribute{
				MarkdownDescription: "The entry's key, " + mapKeyValidator().description +
					". Changing it replaces the entry. It is required and has no default.",
				Required:      true,
				Validators:    []validator.String{mapKeyValidator()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"value": schema.StringAttribute{
				MarkdownDescription: "The entry's value, " + mapValueValidator().description + ". It is required and has no default.",
				Required:            true,
				Validators:          []validator.String{mapValueValidator()},
			},
			"path": schema.StringAttribute{
				MarkdownDescription: "Absolute path of the map file on the machine.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *mapEntryResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.machine = machineFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *mapEntryResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan mapEntryModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := mapEntryID(plan.Map.ValueString(), plan.Key.ValueString())
	if r.machine == nil {
		resp.Diagnostics.AddError("Unable to Create Map Entry", fmt.Sprintf("Could not create map entry %q: %s", id, errNotConfigured))
		return
	}
	var got api.MapEntry
	err := r.machine.Call(ctx, api.MethodMapEntrySet, mapEntrySpecFrom(plan, true), &got)
	if errors.Is(err, api.ErrExists) {
		resp.Diagnostics.AddError("Unable to Create Map Entry", fmt.Sprintf(
			"Could not create map entry %q: the map file already has that key. "+
				"Adopt it with `terraform import <resource address> %s`. %s", id, id, err))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to Create Map Entry", fmt.Sprintf("Could not create map entry %q: %s", id, err))
		return
	}
	resp.Diagnostics.Append(setMapEntryState(ctx, &resp.State, got)...)
}

func (r *mapEntryResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state mapEntryModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := mapEntryID(state.Map.ValueString(), state.Key.ValueString())
	if r.machine == nil {
		resp.Diagnostics.AddError("Unable to Read Map Entry", fmt.Sprintf("Could not read map entry %q: %s", id, errNotConfigured))
		return
	}
	var got api.MapEntry
	err := r.machine.Call(ctx, api.MethodMapEntryGet, api.MapEntryRef{Map: state.Map.ValueString(), Key: state.Key.ValueString()}, &got)
	if errors.Is(err, api.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to Read Map Entry", fmt.Sprintf("Could not read map entry %q: %s", id, err))
		return
	}
	resp.Diagnostics.Append(setMapEntryState(ctx, &resp.State, got)...)
}

func (r *mapEntryResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan mapEntryModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := mapEntryID(plan.Map.ValueString(), plan.Key.ValueString())
	if r.machine == nil {
		resp.Diagnostics.AddError("Unable to Update Map Entry", fmt.Sprintf("Could not update map entry %q: %s", id, errNotConfigured))
		return
	}
	var got api.MapEntry
	if err := r.machine.Call(ctx, api.MethodMapEntrySet, mapEntrySpecFrom(plan, false), &got); err != nil {
		resp.Diagnostics.AddError("Unable to Update Map Entry", fmt.Sprintf("Could not update map entry %q: %s", id, err))
		return
	}
	resp.Diagnostics.Append(setMapEntryState(ctx, &resp.State, got)...)
}

func (r *mapEntryResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state mapEntryModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := mapEntryID(state.Map.ValueString(), state.Key.ValueString())
	deleteObject(ctx, r.machine, resp, "Map Entry", "map entry", id, api.MethodMapEntryDelete,
		api.MapEntryRef{Map: state.Map.ValueString(), Key: state.Key.ValueString()})
}

func (r *mapEntryResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	mapName, key, err := parseMapEntryImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Import ID", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("map"), mapName)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("key"), key)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}

func mapEntryID(mapName, key string) string { return mapName + "/" + key }

// parseMapEntryImportID splits `<map>/<key>` at the first slash: a map name
// never has one, a key may.
func parseMapEntryImportID(id string) (mapName, key string, err error) {
	mapName, key, ok := strings.Cut(id, "/")
	if !ok {
		return "", "", fmt.Errorf("import id %q has no `/`. Expected `<map>/<key>`, as in "+
			"`terraform import switchyard_map_entry.john deluxe/john`", id)
	}
	if err := grammar.MapName(mapName); err != nil {
		return "", "", fmt.Errorf("import id %q: %v. Expected `<map>/<key>`", id, err)
	}
	if err := grammar.MapKey(key); err != nil {
		return "", "", fmt.Errorf("import id %q: %v. Expected `<map>/<key>`", id, err)
	}
	return mapName, key, nil
}

func mapEntrySpecFrom(m mapEntryModel, create bool) api.MapEntrySpec {
	return api.MapEntrySpec{Map: m.Map.ValueString(), Key: m.Key.ValueString(), Value: m.Value.ValueString(), Create: create}
}

// setMapEntryState records the machine's view of the entry (see
// reconcileValue for a file and a running map that disagree).
func setMapEntryState(ctx context.Context, state *tfsdk.State, got api.MapEntry) diag.Diagnostics {
	v := reconcileValue(got.File, got.Runtime, got.Loaded)
	if v == nil {
		state.RemoveResource(ctx)
		return nil
	}
	m := mapEntryModel{
		ID:    types.StringValue(mapEntryID(got.Map, got.Key)),
		Map:   types.StringValue(got.Map),
		Key:   types.StringValue(got.Key),
		Value: types.StringValue(*v),
		Path:  types.StringValue(got.Path),
	}
	return state.Set(ctx, &m)
}
