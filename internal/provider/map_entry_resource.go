package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
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
	_ resource.Resource                = (*mapEntryResource)(nil)
	_ resource.ResourceWithConfigure   = (*mapEntryResource)(nil)
	_ resource.ResourceWithImportState = (*mapEntryResource)(nil)
)

// mapEntryResource is switchyard_map_entry: one key of a map file that
// Terraform does not own as a whole.
type mapEntryResource struct {
	lifecycle[mapEntryModel, api.MapEntry]
}

// NewMapEntryResource is the switchyard_map_entry factory.
func NewMapEntryResource() resource.Resource {
	return &mapEntryResource{lifecycle[mapEntryModel, api.MapEntry]{kind: mapEntryKind}}
}

var mapEntryKind = kind[mapEntryModel, api.MapEntry]{
	title: "Map Entry", noun: "map entry",
	typeName: "_map_entry", schema: mapEntrySchema,
	id: func(m mapEntryModel) string { return mapEntryID(m.Map.ValueString(), m.Key.ValueString()) },
	ref: func(m mapEntryModel) any {
		return api.MapEntryRef{Map: m.Map.ValueString(), Key: m.Key.ValueString()}
	},
	// Create and update are one call; Create says whether an existing key
	// is an error.
	getMethod: api.MethodMapEntryGet, createMethod: api.MethodMapEntrySet,
	updateMethod: api.MethodMapEntrySet, deleteMethod: api.MethodMapEntryDelete,
	toWire: func(_ context.Context, w write[mapEntryModel]) (any, diag.Diagnostics, error) {
		return mapEntrySpecFrom(w.plan, w.create), nil, nil
	},
	fromWire: func(_ context.Context, _ *mapEntryModel, got api.MapEntry) (mapEntryModel, diag.Diagnostics) {
		return mapEntryModel{
			ID:    types.StringValue(mapEntryID(got.Map, got.Key)),
			Map:   types.StringValue(got.Map),
			Key:   types.StringValue(got.Key),
			Value: types.StringValue(*reconcileValue(got.File, got.Runtime, got.Loaded)),
			Path:  types.StringValue(got.Path),
		}, nil
	},
	// Neither in the file nor running (see reconcileValue).
	absent:     func(got api.MapEntry) bool { return reconcileValue(got.File, got.Runtime, got.Loaded) == nil },
	existsHint: "the map file already has that key. Adopt it with `terraform import <resource address> %[1]s`.",
	importState: func(id string) (map[string]string, error) {
		mapName, key, err := parseMapEntryImportID(id)
		return map[string]string{"map": mapName, "key": key, "id": id}, err
	},
}

type mapEntryModel struct {
	ID    types.String `tfsdk:"id"`
	Map   types.String `tfsdk:"map"`
	Key   types.String `tfsdk:"key"`
	Value types.String `tfsdk:"value"`
	Path  types.String `tfsdk:"path"`
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
			"id": idAttribute("`<map>/<key>`, which identifies the entry on the machine."),
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
