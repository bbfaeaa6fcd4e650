package provider

import (
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

// The escape hatch of the sections beyond backend and frontend (issue 12:
// "for every section resource"): global and defaults keep their lines in
// the same marked block as a backend; a cache and a userlist have no such
// block in client-native's parser, so theirs are what those sections can
// hold (grammar.SectionCache, grammar.SectionUserlist).

const extraLinesPrefer = "Prefer an attribute where there is one: it is typed, validated at `terraform validate`, imported and " +
	"diffed field by field, and some attributes change live without a reload; a line for a keyword that has one is refused " +
	"at plan time, naming it. "

// haproxyExtraLinesAttribute is global_extra_lines or defaults_extra_lines
// of switchyard_haproxy.
func haproxyExtraLinesAttribute(section string) schema.ListAttribute {
	examples := "`tune.bufsize 32768` or `ssl-default-bind-options ssl-min-ver TLSv1.2`"
	where := "`global`"
	if section == grammar.SectionDefaults {
		examples = "`timeout http-request 10s` or `option dontlognull`"
		where = "the managed `defaults` section (`defaults_name`)"
	}
	return schema.ListAttribute{
		MarkdownDescription: "Extra configuration lines of " + where + " that no attribute covers, each a whole line in HAProxy's " +
			"syntax as in " + examples + ", " + grammar.ExtraLinesDescription + ". " +
			"The resource owns them: they are written at the end of the section exactly so, in order, between two marker comments " +
			"(`###_config-snippet_### BEGIN`/`END`), read back (a hand edit of one of them shows in the next plan), and removed when " +
			"dropped from the list. They are checked by `haproxy -c` on the machine with the rest of the file, so a line HAProxy " +
			"refuses fails the apply with HAProxy's message and the machine keeps serving its previous configuration. A change reloads HAProxy. " +
			extraLinesPrefer +
			"An empty list removes every extra line. Defaults to not managed: the section's extra lines are left as they are.",
		ElementType: types.StringType,
		Optional:    true,
		Validators:  []validator.List{extraLinesValidator{section: section}},
	}
}

// cacheExtraLinesAttribute is switchyard_cache's extra_lines.
func cacheExtraLinesAttribute() schema.ListAttribute {
	return schema.ListAttribute{
		MarkdownDescription: "The cache section's keywords that no attribute covers, one line each: " +
			"`" + strings.Join(grammar.CacheExtraLineKeywords, "` and `") + "` (`<n>` a whole number from 1 without leading zeros, " +
			"one space between the words), each at most once. A cache section accepts no other keyword, so any other line is " +
			"refused at plan time, listing these. The resource owns them: they are written exactly so, read back (a hand edit " +
			"shows in the next plan) and removed when dropped from the list; a change reloads HAProxy (which empties the cache). " +
			extraLinesPrefer +
			"An empty list removes both. Defaults to not managed: the section's lines are left as they are.",
		ElementType: types.StringType,
		Optional:    true,
		Validators:  []validator.List{extraLinesValidator{section: grammar.SectionCache}},
	}
}

// userlistExtraLinesAttribute is switchyard_userlist's extra_lines: there
// so that every section resource has the attribute, and refusing every
// line, since a userlist has only `user` and `group`, both attributes, and
// client-native's parser keeps no raw block in a userlist that the agent
// could own and read back.
func userlistExtraLinesAttribute() schema.ListAttribute {
	return schema.ListAttribute{
		MarkdownDescription: "Extra lines of the userlist: always refused at plan time, and only an empty list is accepted. " +
			"A `userlist` section holds only `user` and `group` lines, which `users` and `groups` manage; and the configuration " +
			"parser the agent uses keeps no raw block in a userlist, so a line there could neither be owned nor read back for drift. " +
			"The attribute exists so that every section resource has the escape hatch under the same name, and says why there is " +
			"nothing to escape to here.",
		ElementType: types.StringType,
		Optional:    true,
		Validators:  []validator.List{extraLinesValidator{section: grammar.SectionUserlist}},
	}
}

// keepLineOrder is live in prior's order when both hold the same lines: a
// cache's lines read back in the parser's order, not the user's, and the
// order of two distinct keywords means nothing to HAProxy.
func keepLineOrder(prior, live []types.String) []types.String {
	if prior == nil || live == nil || len(prior) != len(live) {
		return live
	}
	a, b := strs(prior), strs(live)
	slices.Sort(a)
	slices.Sort(b)
	if slices.Equal(a, b) {
		return prior
	}
	return live
}
