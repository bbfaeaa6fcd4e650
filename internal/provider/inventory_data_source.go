package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

var (
	_ datasource.DataSource              = (*inventoryDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*inventoryDataSource)(nil)
)

// inventoryDataSource is switchyard_inventory: every object on the machine
// a Switchyard resource can import, as import ids, so that import blocks
// with for_each can adopt a whole machine; and, by name, what no resource
// can represent.
type inventoryDataSource struct {
	machine caller // nil while the provider's settings are unknown
}

// NewInventoryDataSource is the switchyard_inventory factory.
func NewInventoryDataSource() datasource.DataSource {
	return &inventoryDataSource{}
}

type inventoryModel struct {
	HAProxy      types.Bool `tfsdk:"haproxy"`
	Frontends    types.Set  `tfsdk:"frontends"`
	Backends     types.Set  `tfsdk:"backends"`
	Userlists    types.Set  `tfsdk:"userlists"`
	Caches       types.Set  `tfsdk:"caches"`
	Certificates types.Set  `tfsdk:"certificates"`
	Maps         types.Set  `tfsdk:"maps"`
	MapEntries   types.Set  `tfsdk:"map_entries"`
	Namespaces   types.Set  `tfsdk:"namespaces"`
	Services     types.Set  `tfsdk:"services"`
	Unsupported  types.List `tfsdk:"unsupported"`
}

var unsupportedItemType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"kind": types.StringType, "name": types.StringType, "reason": types.StringType,
}}

func (d *inventoryDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_inventory"
}

func (d *inventoryDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = inventorySchema()
}

func inventorySchema() schema.Schema {
	ids := func(what, resource, format string) schema.SetAttribute {
		return schema.SetAttribute{
			MarkdownDescription: fmt.Sprintf("The %s on the machine that `%s` can import, as its import ids (%s). "+
				"Use with an `import` block's `for_each`.", what, resource, format),
			ElementType: types.StringType,
			Computed:    true,
		}
	}
	return schema.Schema{
		MarkdownDescription: "Everything on the machine the provider block points at that a Switchyard resource can import, " +
			"as import ids, so that `import` blocks with `for_each` (Terraform 1.7+) can adopt a whole machine at once. " +
			"Objects Switchyard cannot represent (a `listen` or `resolvers` section, a line client-native does not parse, " +
			"a network namespace or a unit not made the way Switchyard makes them) are listed in `unsupported` by name, " +
			"with the reason, and reading the data source warns about them: they are never silently skipped.",
		Attributes: map[string]schema.Attribute{
			"haproxy": schema.BoolAttribute{
				MarkdownDescription: "Whether HAProxy is installed: its configuration file and binary are where the provider's `haproxy` settings say.",
				Computed:            true,
			},
			"frontends":    ids("`frontend` sections", "switchyard_frontend", "the section names"),
			"backends":     ids("`backend` sections", "switchyard_backend", "the section names"),
			"userlists":    ids("`userlist` sections", "switchyard_userlist", "the section names"),
			"caches":       ids("`cache` sections", "switchyard_cache", "the section names"),
			"certificates": ids("certificate files", "switchyard_certificate", "file names without `.pem`"),
			"maps":         ids("map files", "switchyard_map", "file names without `.map`"),
			"map_entries":  ids("keys of map files", "switchyard_map_entry", "`<map>/<key>`"),
			"namespaces":   ids("network namespaces made by Switchyard", "switchyard_namespace", "the namespace names"),
			"services": ids("service units", "switchyard_service",
				"unit names without `.service`; only units whose file is exactly what the resource would write"),
			"unsupported": schema.ListNestedAttribute{
				MarkdownDescription: "What was found that no Switchyard resource can import, sorted by kind.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"kind": schema.StringAttribute{
						MarkdownDescription: "What it is: a section type (`listen`, `resolvers`, …), `<section>_line` for a line inside a " +
							"supported section, `namespace`, `service`, or a resource kind whose name cannot be imported.",
						Computed: true,
					},
					"name":   schema.StringAttribute{MarkdownDescription: "Its name (for a line: `<section name>: <line>`).", Computed: true},
					"reason": schema.StringAttribute{MarkdownDescription: "Why Switchyard cannot represent it.", Computed: true},
				}},
			},
		},
	}
}

func (d *inventoryDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.machine = machineFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *inventoryDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.machine == nil {
		resp.Diagnostics.AddError("Unable to Read Inventory", "Could not list the machine's objects: "+errNotConfigured)
		return
	}
	var inv api.Inventory
	if err := d.machine.Call(ctx, api.MethodInventory, nil, &inv); err != nil {
		resp.Diagnostics.AddError("Unable to Read Inventory", fmt.Sprintf("Could not list the machine's objects: %s", err))
		return
	}
	if w := unsupportedWarning(inv.Unsupported); w != "" {
		resp.Diagnostics.AddWarning("Objects Switchyard Cannot Import", w)
	}
	m, diags := inventoryFromAPI(inv)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// unsupportedWarning names every unsupported object, one a line, so that
// a plan shows what adopting the machine would leave unmanaged.
func unsupportedWarning(items []api.InventoryItem) string {
	if len(items) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "switchyard_inventory found %d object(s) no Switchyard resource can represent; they are not in the import lists and stay unmanaged:\n", len(items))
	for _, it := range items {
		fmt.Fprintf(&b, "  - %s %q: %s\n", it.Kind, it.Name, it.Reason)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func inventoryFromAPI(inv api.Inventory) (inventoryModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	set := func(names []string) types.Set {
		if names == nil {
			names = []string{} // an empty set, never null: for_each over null fails
		}
		v, d := types.SetValueFrom(context.Background(), types.StringType, names)
		diags.Append(d...)
		return v
	}
	items := make([]attr.Value, 0, len(inv.Unsupported))
	for _, it := range inv.Unsupported {
		o, d := types.ObjectValue(unsupportedItemType.AttrTypes, map[string]attr.Value{
			"kind": types.StringValue(it.Kind), "name": types.StringValue(it.Name), "reason": types.StringValue(it.Reason),
		})
		diags.Append(d...)
		items = append(items, o)
	}
	list, d := types.ListValue(unsupportedItemType, items)
	diags.Append(d...)
	return inventoryModel{
		HAProxy:      types.BoolValue(inv.HAProxy),
		Frontends:    set(inv.Frontends),
		Backends:     set(inv.Backends),
		Userlists:    set(inv.Userlists),
		Caches:       set(inv.Caches),
		Certificates: set(inv.Certificates),
		Maps:         set(inv.Maps),
		MapEntries:   set(inv.MapEntries),
		Namespaces:   set(inv.Namespaces),
		Services:     set(inv.Services),
		Unsupported:  list,
	}, diags
}
