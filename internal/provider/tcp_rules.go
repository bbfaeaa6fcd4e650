package provider

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/haproxytech/client-native/v5/config-parser/parsers/tcp"
	cptypes "github.com/haproxytech/client-native/v5/config-parser/types"
	"github.com/haproxytech/client-native/v5/misc"

	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

// A frontend's tcp-request rules, checked at plan time with the parser the
// agent writes them with (as http_request is, see rules.go).

// normalizeTCPRequestRule returns a tcp-request rule line as HAProxy's
// configuration parser writes it back, or why it cannot be one.
func normalizeTCPRequestRule(line string) (string, error) {
	parts, err := grammar.SplitRule("tcp-request", line)
	if err != nil {
		return "", err
	}
	if len(parts) < 3 {
		return "", fmt.Errorf("%q is not a tcp-request rule: write `connection|session|content ACTION [if|unless COND]` or `inspect-delay TIME`", line)
	}
	p := &tcp.Requests{Mode: "frontend"}
	p.Init()
	if _, err := p.Parse(strings.Join(parts, " "), parts, ""); err != nil {
		return "", fmt.Errorf("%q is not a tcp-request rule HAProxy's configuration parser understands "+
			"(unknown kind %q, unknown action or missing arguments)", line, parts[1])
	}
	data, err := p.Get(false)
	if err != nil {
		return "", fmt.Errorf("%q: %v", line, err)
	}
	rules, ok := data.([]cptypes.TCPType)
	if !ok || len(rules) != 1 {
		return "", fmt.Errorf("%q: unexpected parser result", line)
	}
	norm := rules[0].String()
	if parts[1] == "inspect-delay" {
		// client-native writes the delay in milliseconds: "5s" and
		// "5000" are the same rule.
		ms := misc.ParseTimeout(parts[2])
		if ms == nil || len(parts) != 3 {
			return "", fmt.Errorf("%q: inspect-delay takes one duration such as 5s or 500ms", line)
		}
		return fmt.Sprintf("inspect-delay %d", *ms), nil
	}
	got, _ := grammar.SplitRule("tcp-request", norm)
	if !slices.Equal(got, parts) {
		return "", fmt.Errorf("%q is read by HAProxy's configuration parser as %q: check the words it left out", line, norm)
	}
	return norm, nil
}

func tcpRequestAttribute() schema.ListAttribute {
	return schema.ListAttribute{
		MarkdownDescription: "`tcp-request` rules of the frontend in order, each a line without the keyword, as in " +
			"`connection reject if { src 192.0.2.0/24 }`, `inspect-delay 5s` or `content accept if { req.ssl_hello_type 1 }`; " +
			"each is checked with HAProxy's configuration parser at plan time, and what only HAProxy can judge (a fetch, an ACL) by `haproxy -c` on the machine. " +
			"They work in both modes; in `tcp` mode they are the frontend's only rules. An empty list removes every rule. " +
			"Defaults to not managed: the section's tcp-request rules are left as they are.",
		ElementType: types.StringType,
		Optional:    true,
		Validators:  []validator.List{ruleListValidator("each element is a tcp-request rule", normalizeTCPRequestRule)},
	}
}

func tcpRequestToAPI(rules []types.String) *[]string {
	if rules == nil {
		return nil
	}
	lines := strs(rules)
	return &lines
}

// tcpRequestState is the state's tcp_request for what the machine has:
// null when prior does not manage the rules (an import manages what the
// section has, if anything), else the machine's lines in prior's spelling.
func tcpRequestState(imported bool, prior []types.String, live *[]string) []types.String {
	var lines []string
	if live != nil {
		lines = *live
	}
	switch {
	case imported && len(lines) == 0, !imported && prior == nil:
		return nil
	}
	return tfStrs(keepSpelling(strs(prior), lines, normalizeTCPRequestRule))
}
