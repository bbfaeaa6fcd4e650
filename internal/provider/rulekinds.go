package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

// The optional rule lists of frontends and backends (issue 12): each an
// ordered list of HAProxy lines without their keyword, null when not
// managed (the section's rules of that kind are left as they are). One
// ruleKind describes each, so the schema, the plan-time check, the read and
// the write of a new kind are one table entry, not another copy. The older
// always-managed lists (a frontend's http_request and http_response) keep
// their own attributes but share the normalizers.

// ruleKind is one kind of rule list.
type ruleKind struct {
	attr    string // the attribute, e.g. "http_after_response"
	keyword string // HAProxy's keyword, e.g. "http-after-response"
	// normalize returns a line as HAProxy's configuration parser writes
	// it back in a section of the given kind (grammar.SectionFrontend or
	// grammar.SectionBackend), or why it cannot be one there.
	normalize func(section, line string) (string, error)
	// Where the kind is an attribute.
	frontend, backend bool
	// doc is the attribute's description after its first sentence, per
	// section.
	doc func(section string) string
}

var (
	tcpRequestKind = ruleKind{
		attr: "tcp_request", keyword: grammar.TCPRequest, frontend: true, backend: true,
		normalize: tcpNormalizer(grammar.TCPRequest),
		doc: func(section string) string {
			if section == grammar.SectionBackend {
				return "as in `inspect-delay 5s` or `content reject if { req.len lt 4 }`. A backend takes only `content` and `inspect-delay` rules: " +
					"`connection` and `session` rules run before a backend is chosen, belong on the frontend, and are refused at plan time. " +
					"They work in both modes."
			}
			return "as in `connection reject if { src 192.0.2.0/24 }`, `inspect-delay 5s` or `content accept if { req.ssl_hello_type 1 }`. " +
				"They work in both modes; in `tcp` mode they are the frontend's only rules."
		},
	}
	tcpResponseKind = ruleKind{
		attr: "tcp_response", keyword: grammar.TCPResponse, backend: true,
		normalize: tcpNormalizer(grammar.TCPResponse),
		doc: func(string) string {
			return "as in `inspect-delay 2s` or `content reject if { res.len gt 1048576 }`; HAProxy runs them on the server's response. They work in both modes."
		},
	}
	httpAfterResponseKind = ruleKind{
		attr: "http_after_response", keyword: grammar.HTTPAfterResponse, frontend: true, backend: true,
		normalize: func(_, line string) (string, error) { return normalizeHTTPRule(grammar.HTTPAfterResponse, line) },
		doc: func(string) string {
			return "as in `set-header X-Served-By edge` or `del-header Server`. Unlike `http_response` they also run on the responses " +
				"HAProxy makes itself (a `deny`'s 403, an `auth`'s 401, a redirect, a 503 when no server is up), which is what they are for. " +
				"They need `mode = \"http\"` and are refused at plan time in `tcp` mode."
		},
	}
)

// ruleKinds lists the kinds for tests that go through all of them.
var ruleKinds = []ruleKind{tcpRequestKind, tcpResponseKind, httpAfterResponseKind}

func tcpNormalizer(keyword string) func(section, line string) (string, error) {
	return func(section, line string) (string, error) {
		_, norm, err := grammar.TCPRule(keyword, section, line)
		return norm, err
	}
}

// in is k's normalizer for one section kind.
func (k ruleKind) in(section string) func(string) (string, error) {
	return func(line string) (string, error) { return k.normalize(section, line) }
}

// attribute is k's schema attribute on a section of the given kind.
func (k ruleKind) attribute(section string) schema.ListAttribute {
	if (section == grammar.SectionFrontend && !k.frontend) || (section == grammar.SectionBackend && !k.backend) {
		panic(fmt.Sprintf("%s is not an attribute of a %s", k.attr, section))
	}
	return schema.ListAttribute{
		MarkdownDescription: "`" + k.keyword + "` rules of the " + section + " in order, each a line without the keyword, " + k.doc(section) + " " +
			"Each is checked with HAProxy's configuration parser at plan time, and what only HAProxy can judge (a fetch, an ACL) by `haproxy -c` on the machine. " +
			"A change reloads HAProxy. An empty list removes every rule. " +
			"Defaults to not managed: the section's " + k.keyword + " rules are left as they are.",
		ElementType: types.StringType,
		Optional:    true,
		Validators:  []validator.List{ruleListValidator("each element is a "+k.keyword+" rule", k.in(section))},
	}
}

// rulesToAPI is the wire's form of a rule list: nil when not managed.
func rulesToAPI(rules []types.String) *[]string {
	if rules == nil {
		return nil
	}
	lines := strs(rules)
	return &lines
}

// state is the state's list for what the machine has: null when prior
// does not manage the rules (an import manages what the section has, if
// anything), else the machine's lines in prior's spelling.
func (k ruleKind) state(section string, imported bool, prior []types.String, live *[]string) []types.String {
	var lines []string
	if live != nil {
		lines = *live
	}
	switch {
	case imported && len(lines) == 0, !imported && prior == nil:
		return nil
	}
	return tfStrs(keepSpelling(strs(prior), lines, k.in(section)))
}
