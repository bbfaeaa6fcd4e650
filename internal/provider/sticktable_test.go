package provider

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func TestStickTableKeyLength(t *testing.T) {
	ot, ok := stickTableAttribute("frontend").GetType().(types.ObjectType)
	if !ok {
		t.Fatal("stick_table is not an object")
	}
	for name, tc := range map[string]struct {
		typ     string
		keyLen  types.Int64
		wantErr bool
	}{
		"string with len": {"string", types.Int64Value(64), false},
		"binary with len": {"binary", types.Int64Value(16), false},
		"ip without len":  {"ip", types.Int64Null(), false},
		"ip with len":     {"ip", types.Int64Value(64), true},
		"integer w/ len":  {"integer", types.Int64Value(4), true},
	} {
		t.Run(name, func(t *testing.T) {
			obj := types.ObjectValueMust(ot.AttrTypes, map[string]attr.Value{
				"type": types.StringValue(tc.typ), "size": types.StringValue("100k"), "expire": types.StringNull(),
				"store":      types.ListValueMust(types.StringType, []attr.Value{}),
				"key_length": tc.keyLen, "keep_on_reload": types.BoolValue(true),
			})
			resp := &validator.ObjectResponse{}
			stickTableKeyLength{}.ValidateObject(context.Background(),
				validator.ObjectRequest{Path: path.Root("stick_table"), ConfigValue: obj}, resp)
			if resp.Diagnostics.HasError() != tc.wantErr {
				t.Fatalf("errors = %v, want %v: %v", resp.Diagnostics.HasError(), tc.wantErr, resp.Diagnostics)
			}
		})
	}
}

func TestStickTableMapping(t *testing.T) {
	plan := &stickTableModel{
		Type: types.StringValue("string"), Size: types.StringValue("100k"), Expire: types.StringValue("10s"),
		Store:     []types.String{types.StringValue("http_req_rate(10s)"), types.StringValue("conn_cur")},
		KeyLength: types.Int64Value(64), KeepOnReload: types.BoolValue(true),
	}
	wire := stickTableToAPI(plan)
	want := &api.StickTable{Type: "string", Size: 102400, Expire: ptr(10000), KeyLength: ptr(64),
		Store: []string{"http_req_rate(10s)", "conn_cur"}, KeepOnReload: true}
	if diff := cmp.Diff(want, wire); diff != "" {
		t.Fatalf("to the wire (-want +got):\n%s", diff)
	}
	// The plan's spelling stays where the machine means the same.
	if diff := cmp.Diff(plan, stickTableFromAPI(plan, wire)); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
	// A hand edit of the size shows as the machine's number.
	edited := *wire
	edited.Size = 2048
	edited.Expire = ptr(1500)
	got := stickTableFromAPI(plan, &edited)
	if got.Size.ValueString() != "2048" || got.Expire.ValueString() != "1500ms" {
		t.Errorf("edited table reads as size %s expire %s, want 2048 and 1500ms", got.Size, got.Expire)
	}
	// Just imported: HAProxy's own units.
	got = stickTableFromAPI(nil, wire)
	if got.Size.ValueString() != "102400" || got.Expire.ValueString() != "10s" {
		t.Errorf("imported table reads as size %s expire %s", got.Size, got.Expire)
	}
	if stickTableToAPI(nil) != nil || stickTableFromAPI(plan, nil) != nil {
		t.Error("no table must map to no table")
	}
}
