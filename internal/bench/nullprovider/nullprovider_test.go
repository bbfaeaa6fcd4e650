package nullprovider

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/switchyard/terraform-provider-switchyard/internal/provider"
)

func schemas(t *testing.T, server tfprotov6.ProviderServer) *tfprotov6.GetProviderSchemaResponse {
	t.Helper()
	resp, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Errorf("%s: %s", d.Summary, d.Detail)
	}
	return resp
}

// The reference is only fair if it serves exactly the real provider's
// schemas: every resource, every attribute, the provider block.
func TestSameSchemas(t *testing.T) {
	real := schemas(t, providerserver.NewProtocol6(provider.New("test")())())
	null := schemas(t, providerserver.NewProtocol6(New(provider.New("test"))())())
	if len(real.ResourceSchemas) == 0 {
		t.Fatal("the real provider has no resources")
	}
	if d := cmp.Diff(real.ResourceSchemas, null.ResourceSchemas); d != "" {
		t.Errorf("resource schemas (-real +null):\n%s", d)
	}
	if d := cmp.Diff(real.Provider, null.Provider); d != "" {
		t.Errorf("provider schema (-real +null):\n%s", d)
	}
}

// Values the real provider learns from the machine are unknown in the
// plan; the null provider's state has them null (Terraform refuses an
// unknown after apply), the rest as planned.
func TestKnown(t *testing.T) {
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"name": tftypes.String,
		"path": tftypes.String,
		"servers": tftypes.List{ElementType: tftypes.Object{AttributeTypes: map[string]tftypes.Type{
			"port": tftypes.Number, "id": tftypes.String,
		}}},
	}}
	srv := typ.AttributeTypes["servers"].(tftypes.List).ElementType
	plan := tftypes.NewValue(typ, map[string]tftypes.Value{
		"name": tftypes.NewValue(tftypes.String, "b"),
		"path": tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
		"servers": tftypes.NewValue(typ.AttributeTypes["servers"], []tftypes.Value{
			tftypes.NewValue(srv, map[string]tftypes.Value{
				"port": tftypes.NewValue(tftypes.Number, 8080),
				"id":   tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
			}),
		}),
	})
	got := known(plan, tfsdk.State{}).Raw
	want := tftypes.NewValue(typ, map[string]tftypes.Value{
		"name": tftypes.NewValue(tftypes.String, "b"),
		"path": tftypes.NewValue(tftypes.String, nil),
		"servers": tftypes.NewValue(typ.AttributeTypes["servers"], []tftypes.Value{
			tftypes.NewValue(srv, map[string]tftypes.Value{
				"port": tftypes.NewValue(tftypes.Number, 8080),
				"id":   tftypes.NewValue(tftypes.String, nil),
			}),
		}),
	})
	if !got.Equal(want) {
		t.Errorf("known(plan) = %v, want %v", got, want)
	}
	if !got.IsFullyKnown() {
		t.Error("the state still has unknown values")
	}
}
