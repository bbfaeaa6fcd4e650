package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestServiceValidateConfigUnknown: exec_start and environment built by a
// `for` over a module variable are unknown as a whole at `terraform
// validate`; ValidateConfig must wait for their values, not fail to
// convert them. Known values are still checked.
func TestServiceValidateConfigUnknown(t *testing.T) {
	ctx := context.Background()
	sresp := &resource.SchemaResponse{}
	NewServiceResource().Schema(ctx, resource.SchemaRequest{}, sresp)
	typ := sresp.Schema.Type().TerraformType(ctx).(tftypes.Object)
	strs := tftypes.List{ElementType: tftypes.String}
	env := tftypes.Map{ElementType: tftypes.String}
	config := func(execStart, environment tftypes.Value) tfsdk.Config {
		vals := map[string]tftypes.Value{}
		for name, at := range typ.AttributeTypes {
			vals[name] = tftypes.NewValue(at, nil)
		}
		vals["name"] = tftypes.NewValue(tftypes.String, "app")
		vals["exec_start"] = execStart
		vals["environment"] = environment
		return tfsdk.Config{Schema: sresp.Schema, Raw: tftypes.NewValue(typ, vals)}
	}
	known := func(args ...string) tftypes.Value {
		var vs []tftypes.Value
		for _, a := range args {
			vs = append(vs, tftypes.NewValue(tftypes.String, a))
		}
		return tftypes.NewValue(strs, vs)
	}
	tests := []struct {
		name      string
		execStart tftypes.Value
		env       tftypes.Value
		wantError bool
	}{
		{"unknown list", tftypes.NewValue(strs, tftypes.UnknownValue), tftypes.NewValue(env, nil), false},
		{"unknown environment", known("/bin/true"), tftypes.NewValue(env, tftypes.UnknownValue), false},
		{"known and valid", known("/bin/true"), tftypes.NewValue(env, nil), false},
		{"known and invalid", known("/bin/true", ";"), tftypes.NewValue(env, nil), true},
	}
	for _, tt := range tests {
		resp := &resource.ValidateConfigResponse{}
		NewServiceResource().(resource.ResourceWithValidateConfig).ValidateConfig(ctx,
			resource.ValidateConfigRequest{Config: config(tt.execStart, tt.env)}, resp)
		if resp.Diagnostics.HasError() != tt.wantError {
			t.Errorf("%s: diagnostics %v, want error=%v", tt.name, resp.Diagnostics, tt.wantError)
		}
	}
}
