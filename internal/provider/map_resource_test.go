package provider

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// mapCaller answers one method with a canned result or error.
type mapCaller struct {
	method string
	result any
	err    error
	got    any // the params of the last call
}

func (c *mapCaller) Call(_ context.Context, method string, params, result any) error {
	c.got = params
	if method != c.method {
		return errors.New("unexpected method " + method)
	}
	if c.err != nil {
		return c.err
	}
	b, err := json.Marshal(c.result)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, result)
}

func TestReconcileValue(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, tc := range []struct {
		name     string
		file, rt *string
		loaded   bool
		want     *string
	}{
		{"agree", s("gold"), s("gold"), true, s("gold")},
		{"not loaded: the file", s("gold"), nil, false, s("gold")},
		{"absent in both", nil, nil, true, nil},
		{"changed at runtime", s("gold"), s("bronze"), true, s("file: gold\nrunning: bronze")},
		{"added at runtime", nil, s("bronze"), true, s("file: (absent)\nrunning: bronze")},
		{"removed at runtime", s("gold"), nil, true, s("file: gold\nrunning: (absent)")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, reconcileValue(tc.file, tc.rt, tc.loaded)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			// A difference must never look like a value one could configure.
			if got := reconcileValue(tc.file, tc.rt, tc.loaded); got != nil && !eqPtr(tc.file, tc.rt) && tc.loaded && mapValueValidator().check(*got) == nil {
				t.Errorf("%q passes the value validator", *got)
			}
		})
	}
}

// The map attributes are wired to their grammars (tested in
// internal/grammar): one case each that only the right grammar rejects.
func TestMapValidators(t *testing.T) {
	for _, tc := range []struct {
		check func(string) error
		in    string
		ok    bool
	}{
		{mapNameValidator().check, "deluxe", true},
		{mapNameValidator().check, "a/b", false},
		{mapNameValidator().check, "#x", false},
		{mapKeyValidator().check, "/api/v1", true},
		{mapKeyValidator().check, "jo hn", false},
		{mapValueValidator().check, "a b", true},
		{mapValueValidator().check, "#x", true},
		{mapValueValidator().check, " a", false},
	} {
		if err := tc.check(tc.in); (err == nil) != tc.ok {
			t.Errorf("check(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

func TestParseMapEntryImportID(t *testing.T) {
	for _, tc := range []struct {
		id, mapName, key string
		wantErr          string
	}{
		{id: "deluxe/john", mapName: "deluxe", key: "john"},
		{id: "paths//api/v1", mapName: "paths", key: "/api/v1"},
		{id: "deluxe", wantErr: "Expected `<map>/<key>`"},
		{id: "../x/john", wantErr: "starts with a dot"},
		{id: "deluxe/", wantErr: "must not be empty"},
	} {
		m, k, err := parseMapEntryImportID(tc.id)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: err = %v, want one containing %q", tc.id, err, tc.wantErr)
			}
			continue
		}
		if err != nil || m != tc.mapName || k != tc.key {
			t.Errorf("%q: got (%q, %q, %v), want (%q, %q)", tc.id, m, k, err, tc.mapName, tc.key)
		}
	}
}

func TestMapSchemas(t *testing.T) {
	if diags := mapSchema().ValidateImplementation(context.Background()); diags.HasError() {
		t.Errorf("switchyard_map schema: %v", diags)
	}
	if diags := mapEntrySchema().ValidateImplementation(context.Background()); diags.HasError() {
		t.Errorf("switchyard_map_entry schema: %v", diags)
	}
}

func mapState(t *testing.T, entries map[string]string) tfsdk.State {
	t.Helper()
	em := map[string]attr.Value{}
	for k, v := range entries {
		em[k] = types.StringValue(v)
	}
	s := tfsdk.State{Schema: mapSchema()}
	m := mapModel{
		ID: types.StringValue("users"), Name: types.StringValue("users"),
		Entries: types.MapValueMust(types.StringType, em), Path: types.StringValue("/etc/haproxy/maps/users.map"),
	}
	if diags := s.Set(context.Background(), &m); diags.HasError() {
		t.Fatal(diags)
	}
	return s
}

func TestMapRead(t *testing.T) {
	unreachable := errors.New("ssh: connection refused")
	got := func(file, rt map[string]string) api.Map {
		return api.Map{Name: "users", Path: "/etc/haproxy/maps/users.map", File: file, Loaded: rt != nil, Runtime: rt}
	}
	for _, tc := range []struct {
		name        string
		caller      *mapCaller
		want        map[string]string // nil: removed from state
		wantSummary string
	}{
		{"in sync", &mapCaller{method: api.MethodMapGet, result: got(map[string]string{"vip": "d"}, map[string]string{"vip": "d"})},
			map[string]string{"vip": "d"}, ""},
		{"runtime drift", &mapCaller{method: api.MethodMapGet, result: got(map[string]string{"vip": "d"}, map[string]string{"vip": "s", "eve": "d"})},
			map[string]string{"vip": "file: d\nrunning: s", "eve": "file: (absent)\nrunning: d"}, ""},
		{"file gone", &mapCaller{method: api.MethodMapGet, err: api.Errorf(api.CodeNotFound, "no file")}, nil, ""},
		{"unreachable", &mapCaller{method: api.MethodMapGet, err: unreachable}, map[string]string{"vip": "d"}, "Unable to Read Map"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newMapResource(tc.caller)
			prior := mapState(t, map[string]string{"vip": "d"})
			resp := resource.ReadResponse{State: prior}
			r.Read(context.Background(), resource.ReadRequest{State: prior}, &resp)
			if tc.wantSummary != "" {
				if !resp.Diagnostics.HasError() || resp.Diagnostics.Errors()[0].Summary() != tc.wantSummary {
					t.Fatalf("diagnostics = %v, want %q", resp.Diagnostics, tc.wantSummary)
				}
				return
			}
			if resp.Diagnostics.HasError() {
				t.Fatal(resp.Diagnostics)
			}
			if tc.want == nil {
				if !resp.State.Raw.IsNull() {
					t.Errorf("state kept, want the resource removed")
				}
				return
			}
			var m mapModel
			resp.Diagnostics.Append(resp.State.Get(context.Background(), &m)...)
			var entries map[string]string
			resp.Diagnostics.Append(m.Entries.ElementsAs(context.Background(), &entries, false)...)
			if resp.Diagnostics.HasError() {
				t.Fatal(resp.Diagnostics)
			}
			if diff := cmp.Diff(tc.want, entries); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
		})
	}
}
