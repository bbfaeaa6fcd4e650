package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// A create that finds its object already on the machine takes it over only
// when it is exactly the planned one (what an interrupted apply leaves), and
// says so in a warning; any difference fails the create as before.
func TestCreateAdoptsOnlyAnIdenticalObject(t *testing.T) {
	str := func(s string) *string { return &s }
	exists := &api.Error{Code: api.CodeExists, Message: "backend exists"}
	for name, tc := range map[string]struct {
		onMachine   api.MapEntry
		wantAdopted bool
	}{
		"identical":       {api.MapEntry{Map: "deluxe", Key: "john", Path: "/m/deluxe.map", File: str("gold"), Loaded: true, Runtime: str("gold")}, true},
		"other value":     {api.MapEntry{Map: "deluxe", Key: "john", Path: "/m/deluxe.map", File: str("silver"), Loaded: true, Runtime: str("silver")}, false},
		"file vs runtime": {api.MapEntry{Map: "deluxe", Key: "john", Path: "/m/deluxe.map", File: str("gold"), Loaded: true, Runtime: str("silver")}, false},
	} {
		t.Run(name, func(t *testing.T) {
			plan := tfsdk.Plan{Schema: mapEntrySchema()}
			if d := plan.Set(context.Background(), &mapEntryModel{
				ID: types.StringUnknown(), Map: types.StringValue("deluxe"), Key: types.StringValue("john"),
				Value: types.StringValue("gold"), Path: types.StringUnknown(),
			}); d.HasError() {
				t.Fatal(d)
			}
			f := &scripted{answers: map[string]answer{
				api.MethodMapEntrySet: {err: exists},
				api.MethodMapEntryGet: {result: tc.onMachine},
			}}
			r := NewMapEntryResource().(*mapEntryResource)
			r.machine = f
			resp := resource.CreateResponse{State: tfsdk.State{Schema: mapEntrySchema()}}
			r.Create(context.Background(), resource.CreateRequest{Plan: plan}, &resp)
			if !tc.wantAdopted {
				if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics.Errors()[0].Detail(), "Adopt it with `terraform import") {
					t.Fatalf("a differing object was taken over: %v", resp.Diagnostics)
				}
				return
			}
			if resp.Diagnostics.HasError() {
				t.Fatalf("identical object not adopted: %v", resp.Diagnostics)
			}
			w := resp.Diagnostics.Warnings()
			if len(w) != 1 || w[0].Summary() != "Adopted Existing Map Entry" || !strings.Contains(w[0].Detail(), `"deluxe/john"`) {
				t.Errorf("want one warning naming the adopted entry, got %v", resp.Diagnostics)
			}
			got := stateOf[mapEntryModel](t, resp.State)
			if got.Value.ValueString() != "gold" || got.ID.ValueString() != "deluxe/john" || got.Path.ValueString() != "/m/deluxe.map" {
				t.Errorf("state after adoption = %+v", got)
			}
		})
	}
}

// The interrupted apply of the issue: backends the agent wrote before
// terraform was killed. An identical one is adopted; one whose servers
// differ is not.
func TestCreateAdoptsAnIdenticalBackend(t *testing.T) {
	port := int64(8080)
	planned := backendModel{
		ID: types.StringUnknown(), Name: types.StringValue("web"), Mode: types.StringValue("http"), Balance: types.StringValue("roundrobin"),
		Servers: []serverModel{{
			Name: types.StringValue("web1"), Address: types.StringValue("127.0.0.1"), Port: types.Int64Value(port),
			Check: types.BoolValue(true), Weight: types.Int64Null(), Backup: types.BoolValue(false), Namespace: types.StringNull(),
			Inter: types.StringNull(), Maxconn: types.Int64Null(), AdminState: types.StringValue(api.AdminReady),
		}},
		HTTPRequest:  types.ListNull(types.StringType),
		HTTPResponse: types.ListNull(types.StringType),
		DrainTimeout: types.StringValue(defaultDrainTimeout),
	}
	same := backendToAPI(planned)
	other := backendToAPI(planned)
	other.Servers[0].Address = "127.0.0.2"
	for name, tc := range map[string]struct {
		onMachine   api.Backend
		wantAdopted bool
	}{
		"identical":     {same, true},
		"other address": {other, false},
	} {
		t.Run(name, func(t *testing.T) {
			f := &scripted{answers: map[string]answer{
				api.MethodBackendCreate: {err: &api.Error{Code: api.CodeExists, Message: `backend "web" already exists`}},
				api.MethodBackendGet:    {result: tc.onMachine},
			}}
			r := NewBackendResource().(*backendResource)
			r.machine = f
			resp := resource.CreateResponse{State: tfsdk.State{Schema: backendSchema()}}
			r.Create(context.Background(), resource.CreateRequest{Plan: planFor(t, planned)}, &resp)
			if got := !resp.Diagnostics.HasError(); got != tc.wantAdopted {
				t.Fatalf("adopted = %v, want %v: %v", got, tc.wantAdopted, resp.Diagnostics)
			}
			if tc.wantAdopted && stateOf[backendModel](t, resp.State).ID.ValueString() != "web" {
				t.Errorf("state not set from the machine after adoption")
			}
		})
	}
}
