package provider

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// refRecorder records the params of each call and refuses it.
type refRecorder struct{ refs []api.ServiceRef }

func (r *refRecorder) Call(_ context.Context, _ string, params, _ any) error {
	raw, err := json.Marshal(params)
	if err != nil {
		return err
	}
	var ref api.ServiceRef
	if err := json.Unmarshal(raw, &ref); err != nil {
		return err
	}
	r.refs = append(r.refs, ref)
	return api.Errorf(api.CodeInvalid, "refused by the test")
}

// TestServiceReadAfterImportIsStrict: the first read after an import asks
// the agent for its strict check; a later read does not (a hand edit of a
// managed unit is drift, not an error).
func TestServiceReadAfterImportIsStrict(t *testing.T) {
	for _, imported := range []bool{true, false} {
		rec := &refRecorder{}
		r := &serviceResource{lifecycle[serviceModel, api.Service]{kind: serviceKind, machine: rec}}
		imp := resource.ImportStateResponse{State: tfsdk.State{Schema: serviceSchema(), Raw: tftypes.NewValue(serviceSchema().Type().TerraformType(context.Background()), nil)}}
		imp.Private = newPrivate(imp.Private)
		r.ImportState(context.Background(), resource.ImportStateRequest{ID: "app"}, &imp)
		if imp.Diagnostics.HasError() {
			t.Fatal(imp.Diagnostics)
		}
		private := imp.Private
		if !imported {
			private = newPrivate(imp.Private)
		}
		resp := resource.ReadResponse{State: imp.State, Private: private}
		r.Read(context.Background(), resource.ReadRequest{State: imp.State, Private: private}, &resp)
		if len(rec.refs) != 1 || rec.refs[0].Name != "app" || rec.refs[0].Import != imported {
			t.Errorf("imported=%v: refs sent = %+v, want one for app with Import=%v", imported, rec.refs, imported)
		}
	}
}
