package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

var (
	_ resource.Resource                = (*mapResource)(nil)
	_ resource.ResourceWithConfigure   = (*mapResource)(nil)
	_ resource.ResourceWithImportState = (*mapResource)(nil)
)

// mapResource is switchyard_map: one HAProxy map file, managed
// authoritatively, whose changes reach the running HAProxy without a reload.
type mapResource struct {
	lifecycle[mapModel, api.Map]
}

// NewMapResource is the switchyard_map factory.
func NewMapResource() resource.Resource { return newMapResource(nil) }

func newMapResource(m caller) *mapResource {
	return &mapResource{lifecycle[mapModel, api.Map]{machine: m, kind: mapKind}}
}

var mapKind = kind[mapModel, api.Map]{
	title: "Map", noun: "map",
	typeName: "_map", schema: mapSchema,
	id:        func(m mapModel) string { return m.Name.ValueString() },
	ref:       func(m mapModel) any { return api.MapRef{Name: m.Name.ValueString()} },
	getMethod: api.MethodMapGet, createMethod: api.MethodMapCreate,
	updateMethod: api.MethodMapUpdate, deleteMethod: api.MethodMapDelete,
	toWire: func(ctx context.Context, w write[mapModel]) (any, diag.Diagnostics, error) {
		spec, diags := mapSpecFrom(ctx, w.plan)
		return spec, diags, nil
	},
	fromWire: func(ctx context.Context, _ *mapModel, got api.Map) (mapModel, diag.Diagnostics) {
		return mapFromAPI(ctx, got)
	},
	existsHint: existsHint("its file already exists on the machine"),
	goneHint:   goneHint("its file was"),
	importState: importName(grammar.MapName, "the map's file name without `.map`, as in "+
		"`terraform import switchyard_map.deluxe deluxe` for /etc/haproxy/maps/deluxe.map"),
}

type mapModel struct {
	ID      types.String `tfsdk:"id"`
	Name    types.String `tfsdk:"name"`
	Entries types.Map    `tfsdk:"entries"`
	Path    types.String `tfsdk:"path"`
}

func mapSchema() schema.Schema {
	return schema.Schema{
		MarkdownDescription: "An HAProxy map file (`<maps_dir>/<name>.map`), for rules such as " +
			"`use_backend %[req.hdr(x-user),map(/etc/haproxy/maps/deluxe.map,standard)]`. " +
			"The resource owns all of the map's entries. A change of entries is applied to the running HAProxy " +
			"through its runtime API in one atomic step (`prepare map`, `add map`, `commit map`) **without a reload**, " +
			"and written to the file so that the next reload keeps it. While no rule of the loaded configuration uses the map, or while HAProxy is stopped, " +
			"only the file is written; the reload that adds such a rule loads it. " +
			"An entry changed by hand in the file or at runtime (`set map`) shows up as a difference in the next plan, " +
			"and an apply puts both back. Manage a map either with this resource or with `switchyard_map_entry` resources, not both. " +
			"Destroying the map is refused while `haproxy.cfg` still names its file, since HAProxy could not reload without it.",
		Attributes: map[string]schema.Attribute{
			"id": idAttribute("The map's name, which identifies it on the machine."),
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the map file without `.map`, " + mapNameValidator().description +
					". Changing it replaces the map. It is required and has no default.",
				Required:      true,
				Validators:    []validator.String{mapNameValidator()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"entries": schema.MapAttribute{
				MarkdownDescription: "The map's entries, key to value. Keys are " + mapKeyValidator().description +
					"; values are " + mapValueValidator().description + ". Defaults to no entries.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
				Validators:  []validator.Map{mapvalidator.KeysAre(mapKeyValidator()), mapvalidator.ValueStringsAre(mapValueValidator())},
			},
			"path": schema.StringAttribute{
				MarkdownDescription: "Absolute path of the map file on the machine, to use in `map(<path>,<default>)` " +
					"so that the rule depends on the map.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func mapSpecFrom(ctx context.Context, m mapModel) (api.MapSpec, diag.Diagnostics) {
	spec := api.MapSpec{Name: m.Name.ValueString(), Entries: map[string]string{}}
	diags := m.Entries.ElementsAs(ctx, &spec.Entries, false)
	return spec, diags
}

// mapFromAPI is the state of a map: the whole map is managed, so nothing
// depends on the prior state.
func mapFromAPI(ctx context.Context, got api.Map) (mapModel, diag.Diagnostics) {
	em, diags := types.MapValueFrom(ctx, types.StringType, reconcileMap(got))
	return mapModel{
		ID:      types.StringValue(got.Name),
		Name:    types.StringValue(got.Name),
		Entries: em,
		Path:    types.StringValue(got.Path),
	}, diags
}

// reconcileMap turns the file and the running map into one set of entries
// for the state (see reconcileValue).
func reconcileMap(got api.Map) map[string]string {
	keys := map[string]bool{}
	for k := range got.File {
		keys[k] = true
	}
	if got.Loaded {
		for k := range got.Runtime {
			keys[k] = true
		}
	}
	out := map[string]string{}
	for k := range keys {
		if v := reconcileValue(lookup(got.File, k), lookup(got.Runtime, k), got.Loaded); v != nil {
			out[k] = *v
		}
	}
	return out
}

func lookup(m map[string]string, k string) *string {
	if v, ok := m[k]; ok {
		return &v
	}
	return nil
}

// reconcileValue is the value of one key as the state shows it (nil:
// absent). The machine has two copies of a map, the file and the running
// HAProxy's, and the state one value per key. Where they agree (or HAProxy
// has not loaded the map), that is the value. Where they disagree, the state
// shows both, on two lines: a value in the configuration never has a line
// break, so the plan always shows the difference, names the side that
// changed, and stays the same however often it is refreshed.
func reconcileValue(file, rt *string, loaded bool) *string {
	if !loaded || eqPtr(file, rt) {
		return file
	}
	v := "file: " + orAbsent(file) + "\nrunning: " + orAbsent(rt)
	return &v
}

func orAbsent(s *string) string {
	if s == nil {
		return "(absent)"
	}
	return *s
}

func eqPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
