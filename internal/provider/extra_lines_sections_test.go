package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

// Every section resource has the escape hatch, with its own section's
// plan-time validator.
func TestExtraLinesInSectionSchemas(t *testing.T) {
	for name, tc := range map[string]struct {
		attrs   map[string]schema.Attribute
		attr    string
		section string
	}{
		"haproxy global":   {haproxySchema().Attributes, "global_extra_lines", grammar.SectionGlobal},
		"haproxy defaults": {haproxySchema().Attributes, "defaults_extra_lines", grammar.SectionDefaults},
		"cache":            {cacheSchema().Attributes, "extra_lines", grammar.SectionCache},
		"userlist":         {userlistSchema().Attributes, "extra_lines", grammar.SectionUserlist},
	} {
		a, ok := tc.attrs[tc.attr].(schema.ListAttribute)
		if !ok {
			t.Errorf("%s: no %s list attribute", name, tc.attr)
			continue
		}
		if a.Computed || !a.Optional {
			t.Errorf("%s: %s must be optional and not computed: left out, it is not managed", name, tc.attr)
		}
		if len(a.Validators) != 1 || a.Validators[0] != (extraLinesValidator{section: tc.section}) {
			t.Errorf("%s: %s validators = %v, want the %s one", name, tc.attr, a.Validators, tc.section)
		}
	}
}

func TestSectionExtraLinesValidator(t *testing.T) {
	list := func(vs ...string) types.List {
		elems := []attr.Value{}
		for _, v := range vs {
			elems = append(elems, types.StringValue(v))
		}
		return types.ListValueMust(types.StringType, elems)
	}
	for name, tc := range map[string]struct {
		section, attr string
		value         types.List
		wantErr       string
	}{
		"global valid":          {grammar.SectionGlobal, "global_extra_lines", list("tune.bufsize 32768", "stats timeout 30s"), ""},
		"global maxconn":        {grammar.SectionGlobal, "global_extra_lines", list("maxconn 5"), "global_extra_lines[0]: \"maxconn 5\" is `maxconn`, which switchyard_haproxy's maxconn attribute manages"},
		"global log":            {grammar.SectionGlobal, "global_extra_lines", list("tune.bufsize 32768", "log 127.0.0.1:514 local0"), "global_extra_lines[1]"},
		"defaults valid":        {grammar.SectionDefaults, "defaults_extra_lines", list("timeout http-request 10s"), ""},
		"defaults timeout":      {grammar.SectionDefaults, "defaults_extra_lines", list("timeout client 1s"), "timeout_client attribute"},
		"defaults new section":  {grammar.SectionDefaults, "defaults_extra_lines", list("backend b"), `new "backend" section`},
		"cache valid":           {grammar.SectionCache, "extra_lines", list("process-vary on", "max-secondary-entries 8"), ""},
		"cache other keyword":   {grammar.SectionCache, "extra_lines", list("max-age 60"), "may only be process-vary on|off or max-secondary-entries <n>"},
		"cache bad value":       {grammar.SectionCache, "extra_lines", list("process-vary maybe"), "process-vary on|off"},
		"cache keyword twice":   {grammar.SectionCache, "extra_lines", list("process-vary on", "process-vary off"), "a second time"},
		"userlist any line":     {grammar.SectionUserlist, "extra_lines", list("group admins"), "a userlist takes no extra lines"},
		"userlist empty list":   {grammar.SectionUserlist, "extra_lines", list(), ""},
		"userlist unknown line": {grammar.SectionUserlist, "extra_lines", types.ListUnknown(types.StringType), ""},
	} {
		t.Run(name, func(t *testing.T) {
			resp := &validator.ListResponse{}
			extraLinesValidator{section: tc.section}.ValidateList(context.Background(),
				validator.ListRequest{Path: path.Root(tc.attr), ConfigValue: tc.value}, resp)
			switch {
			case tc.wantErr == "" && resp.Diagnostics.HasError():
				t.Fatalf("unexpected error: %v", resp.Diagnostics)
			case tc.wantErr != "" && !resp.Diagnostics.HasError():
				t.Fatalf("no error, want one containing %q", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(resp.Diagnostics[0].Detail(), tc.wantErr):
				t.Errorf("error %q lacks %q", resp.Diagnostics[0].Detail(), tc.wantErr)
			}
		})
	}
}

func TestKeepLineOrder(t *testing.T) {
	for name, tc := range map[string]struct {
		prior, live, want []string
	}{
		"same lines, user's order": {[]string{"process-vary on", "max-secondary-entries 4"}, []string{"max-secondary-entries 4", "process-vary on"}, []string{"process-vary on", "max-secondary-entries 4"}},
		"a changed line":           {[]string{"process-vary on", "max-secondary-entries 4"}, []string{"max-secondary-entries 5", "process-vary on"}, []string{"max-secondary-entries 5", "process-vary on"}},
		"a line more":              {[]string{"process-vary on"}, []string{"max-secondary-entries 4", "process-vary on"}, []string{"max-secondary-entries 4", "process-vary on"}},
		"not managed":              {nil, []string{"process-vary on"}, []string{"process-vary on"}},
	} {
		t.Run(name, func(t *testing.T) {
			var prior []types.String
			if tc.prior != nil {
				prior = tfStrs(tc.prior)
			}
			if diff := cmp.Diff(tc.want, strs(keepLineOrder(prior, tfStrs(tc.live)))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// switchyard_haproxy's state holds the machine's lines only when they are
// managed, or right after an import (prior without enabled).
func TestHAProxyExtraLinesState(t *testing.T) {
	lines := &[]string{"tune.bufsize 32768"}
	managed := instanceModel{Enabled: types.BoolValue(true), GlobalExtraLines: []types.String{}}
	for name, tc := range map[string]struct {
		prior            instanceModel
		global, defaults []string // nil: not managed
	}{
		"import":      {instanceModel{}, *lines, *lines},
		"not managed": {instanceModel{Enabled: types.BoolValue(true)}, nil, nil},
		"global only": {managed, *lines, nil},
	} {
		t.Run(name, func(t *testing.T) {
			var st captureState
			if d := setHAProxyState(context.Background(), &st, tc.prior, apiInstanceWithLines(lines)); d.HasError() {
				t.Fatal(d)
			}
			if (st.m.GlobalExtraLines == nil) != (tc.global == nil) || (st.m.DefaultsExtraLines == nil) != (tc.defaults == nil) {
				t.Fatalf("managed global %v defaults %v, want %v %v", st.m.GlobalExtraLines != nil, st.m.DefaultsExtraLines != nil, tc.global != nil, tc.defaults != nil)
			}
			if tc.global != nil && !cmp.Equal(tc.global, strs(st.m.GlobalExtraLines)) {
				t.Errorf("global = %v, want %v", strs(st.m.GlobalExtraLines), tc.global)
			}
		})
	}
}

// captureState is a stateSetter that keeps the model it is given.
type captureState struct{ m instanceModel }

func (c *captureState) Set(_ context.Context, val any) diag.Diagnostics {
	c.m = *val.(*instanceModel)
	return nil
}

func apiInstanceWithLines(lines *[]string) api.Instance {
	return api.Instance{GlobalExtraLines: lines, DefaultsExtraLines: lines}
}
