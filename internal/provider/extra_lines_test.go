package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

func TestExtraLinesState(t *testing.T) {
	two := &[]string{"http-reuse always", "option http-keep-alive"}
	for name, tc := range map[string]struct {
		imported, priorManaged bool
		live                   *[]string
		want                   []string // nil: not managed
	}{
		"import of a section without": {imported: true, live: nil, want: nil},
		"import of a section with":    {imported: true, live: two, want: *two},
		"not managed, machine has":    {priorManaged: false, live: two, want: nil},
		"managed, machine has none":   {priorManaged: true, live: nil, want: []string{}},
		"managed, machine has":        {priorManaged: true, live: two, want: *two},
	} {
		t.Run(name, func(t *testing.T) {
			got := extraLinesState(tc.imported, tc.priorManaged, tc.live)
			if (got == nil) != (tc.want == nil) {
				t.Fatalf("managed = %v, want %v", got != nil, tc.want != nil)
			}
			if diff := cmp.Diff(tc.want, strs(got)); tc.want != nil && diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExtraLinesValidator(t *testing.T) {
	list := func(vs ...string) types.List {
		elems := []attr.Value{}
		for _, v := range vs {
			elems = append(elems, types.StringValue(v))
		}
		return types.ListValueMust(types.StringType, elems)
	}
	for name, tc := range map[string]struct {
		section string
		value   types.List
		wantErr string
	}{
		"null":                 {grammar.SectionBackend, types.ListNull(types.StringType), ""},
		"unknown":              {grammar.SectionBackend, types.ListUnknown(types.StringType), ""},
		"valid":                {grammar.SectionBackend, list("http-reuse always", "compression algo gzip"), ""},
		"first-class balance":  {grammar.SectionBackend, list("http-reuse always", "balance first"), "extra_lines[1]: \"balance first\" is `balance`, which the backend's balance attribute manages"},
		"first-class bind":     {grammar.SectionFrontend, list("bind :80"), "binds attribute"},
		"listed twice":         {grammar.SectionFrontend, list("option http-keep-alive", "option http-keep-alive"), "listed twice"},
		"balance on frontends": {grammar.SectionFrontend, list("option http-keep-alive"), ""},
	} {
		t.Run(name, func(t *testing.T) {
			resp := &validator.ListResponse{}
			extraLinesValidator{section: tc.section}.ValidateList(context.Background(),
				validator.ListRequest{Path: path.Root("extra_lines"), ConfigValue: tc.value}, resp)
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

// Each of the two resources has the attribute, with the validator of its
// own section.
func TestExtraLinesInSchemas(t *testing.T) {
	for name, tc := range map[string]struct {
		attrs   map[string]schema.Attribute
		section string
	}{
		"backend":  {backendSchema().Attributes, grammar.SectionBackend},
		"frontend": {frontendSchema().Attributes, grammar.SectionFrontend},
	} {
		a, ok := tc.attrs["extra_lines"].(schema.ListAttribute)
		if !ok {
			t.Errorf("%s: no extra_lines list attribute", name)
			continue
		}
		if len(a.Validators) != 1 || a.Validators[0] != (extraLinesValidator{section: tc.section}) {
			t.Errorf("%s: extra_lines validators = %v, want the %s one", name, a.Validators, tc.section)
		}
	}
}
