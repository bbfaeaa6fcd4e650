package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

// extra_lines, the escape hatch of section resources (issue 12): whole
// lines the resource owns, checked here with grammar.ExtraLines and on the
// machine by `haproxy -c`. The agent keeps them in a marked block
// (internal/agent/haproxy/extralines.go).

func extraLinesAttribute(section string) schema.ListAttribute {
	examples := "`option http-keep-alive`, `http-reuse always` or `compression algo gzip`"
	if section == grammar.SectionFrontend {
		examples = "`option http-keep-alive`, `timeout client 30s` or `monitor-uri /healthz`"
	}
	return schema.ListAttribute{
		MarkdownDescription: "Extra configuration lines of the " + section + " that no attribute covers, each a whole line in HAProxy's " +
			"syntax as in " + examples + ", " + grammar.ExtraLinesDescription + ". " +
			"The resource owns them: they are written into the section exactly so, in order, between two marker comments " +
			"(`###_config-snippet_### BEGIN`/`END`), read back (a hand edit of one of them shows in the next plan), and removed when " +
			"dropped from the list. They are checked by `haproxy -c` on the machine with the rest of the file, so a line HAProxy " +
			"refuses fails the apply with HAProxy's message and the machine keeps serving its previous configuration. A change reloads HAProxy. " +
			"Prefer an attribute where there is one: it is typed, validated at `terraform validate`, diffed field by field, " +
			"and some attributes change live without a reload; a line for a keyword that has one is refused at plan time, naming it. " +
			"An empty list removes every extra line. Defaults to not managed: the section's extra lines are left as they are.",
		ElementType: types.StringType,
		Optional:    true,
		Validators:  []validator.List{extraLinesValidator{section: section}},
	}
}

// extraLinesValidator checks the list as a whole, since a line listed twice
// is an error only next to the other.
type extraLinesValidator struct{ section string }

var _ validator.List = extraLinesValidator{}

func (v extraLinesValidator) Description(context.Context) string {
	return "each element is a whole HAProxy line " + grammar.ExtraLinesDescription + ", and none is listed twice"
}

func (v extraLinesValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v extraLinesValidator) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var lines []string
	for _, e := range req.ConfigValue.Elements() {
		s, ok := e.(types.String)
		if !ok || s.IsUnknown() {
			return // known at apply: the agent checks it then
		}
		lines = append(lines, s.ValueString())
	}
	if err := grammar.ExtraLines(v.section, lines); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Extra Line", err.Error())
	}
}

// extraLinesState is what the state holds for the machine's lines: nil
// (not managed) when prior does not manage them, or after an import of a
// section without any; else exactly the machine's lines, since they are
// owned text, not rules with another spelling.
func extraLinesState(imported, priorManaged bool, live *[]string) []types.String {
	switch {
	case imported && live == nil, !imported && !priorManaged:
		return nil
	case live == nil:
		return []types.String{}
	}
	return tfStrs(*live)
}

// extraLinesToAPI is the wire's form of a frontend's list: nil when not
// managed.
func extraLinesToAPI(lines []types.String) *[]string {
	if lines == nil {
		return nil
	}
	out := strs(lines)
	return &out
}
