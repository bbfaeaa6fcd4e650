package provider

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func TestCacheValidateConfig(t *testing.T) {
	ctx := context.Background()
	for name, tc := range map[string]struct {
		total, object types.Int64
		wantErr       bool
	}{
		"half":         {types.Int64Value(4), types.Int64Value(2 << 20), false},
		"over half":    {types.Int64Value(4), types.Int64Value(2<<20 + 1), true},
		"no object":    {types.Int64Value(4), types.Int64Null(), false},
		"unknown size": {types.Int64Unknown(), types.Int64Value(1 << 30), false},
	} {
		t.Run(name, func(t *testing.T) {
			st := tfsdk.State{Schema: cacheSchema()}
			m := cacheModel{ID: types.StringNull(), Name: types.StringValue("static"), TotalMaxSize: tc.total,
				MaxObjectSize: tc.object, MaxAge: types.Int64Null()}
			if d := st.Set(ctx, &m); d.HasError() {
				t.Fatal(d)
			}
			resp := &resource.ValidateConfigResponse{}
			(&cacheResource{}).ValidateConfig(ctx, resource.ValidateConfigRequest{Config: tfsdk.Config(st)}, resp)
			if resp.Diagnostics.HasError() != tc.wantErr {
				t.Fatalf("errors = %v, want %v: %v", resp.Diagnostics.HasError(), tc.wantErr, resp.Diagnostics)
			}
		})
	}
}

func TestCacheMapping(t *testing.T) {
	m := cacheModel{ID: types.StringValue("static"), Name: types.StringValue("static"), TotalMaxSize: types.Int64Value(16),
		MaxObjectSize: types.Int64Null(), MaxAge: types.Int64Value(60)}
	wire := cacheToAPI(m)
	if diff := cmp.Diff(api.Cache{Name: "static", TotalMaxSize: 16, MaxAge: ptr(60)}, wire); diff != "" {
		t.Fatalf("to the wire (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(m, cacheFromAPI(wire)); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}
