package provider

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// inventoryMachine answers MethodInventory with inv.
type inventoryMachine struct{ inv api.Inventory }

func (m inventoryMachine) Call(_ context.Context, method string, _, result any) error {
	if method != api.MethodInventory {
		return api.Errorf(api.CodeInvalid, "unexpected method %s", method)
	}
	raw, err := json.Marshal(m.inv)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, result)
}

func TestInventoryDataSourceRead(t *testing.T) {
	inv := api.Inventory{
		HAProxy: true, Frontends: []string{"web"}, Backends: []string{"app", "zeta"}, Userlists: []string{},
		Caches: []string{}, Certificates: []string{"site"}, Maps: []string{"hosts"}, MapEntries: []string{"hosts/a.example"},
		Namespaces: []string{"blue"}, Services: []string{"echo"},
		Unsupported: []api.InventoryItem{{Kind: "listen", Name: "stats", Reason: "Switchyard has no resource for `listen` sections"}},
	}
	d := &inventoryDataSource{machine: inventoryMachine{inv}}
	resp := datasource.ReadResponse{State: tfsdk.State{Schema: inventorySchema()}}
	d.Read(context.Background(), datasource.ReadRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	if n := resp.Diagnostics.WarningsCount(); n != 1 {
		t.Fatalf("%d warnings, want 1: %v", n, resp.Diagnostics)
	}
	if w := resp.Diagnostics.Warnings()[0].Detail(); !strings.Contains(w, `listen "stats"`) {
		t.Errorf("warning does not name the listen section: %s", w)
	}
	var got inventoryModel
	if diags := resp.State.Get(context.Background(), &got); diags.HasError() {
		t.Fatal(diags)
	}
	var backends []string
	got.Backends.ElementsAs(context.Background(), &backends, false)
	if strings.Join(backends, ",") != "app,zeta" || !got.HAProxy.ValueBool() || len(got.Unsupported.Elements()) != 1 {
		t.Errorf("state = %+v", got)
	}
}

func TestInventoryDataSourceNoWarningWhenAllSupported(t *testing.T) {
	d := &inventoryDataSource{machine: inventoryMachine{api.Inventory{HAProxy: true}}}
	resp := datasource.ReadResponse{State: tfsdk.State{Schema: inventorySchema()}}
	d.Read(context.Background(), datasource.ReadRequest{}, &resp)
	if len(resp.Diagnostics) != 0 {
		t.Errorf("diagnostics = %v, want none", resp.Diagnostics)
	}
}

func TestInventorySchema(t *testing.T) {
	if diags := inventorySchema().ValidateImplementation(context.Background()); diags.HasError() {
		t.Fatal(diags)
	}
}
