package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

// Rule lines are HAProxy's own syntax, without their keyword. They are
// parsed here, at plan time, with the same parser the agent (through
// client-native) writes them with, so a typo fails at `terraform validate`.
// What only HAProxy can judge (an unknown fetch, a missing backend or
// userlist) is left to `haproxy -c` on the machine at apply time.

// normalizeHTTPRule returns an HTTP rule line (keyword grammar.HTTPRequest,
// HTTPResponse or HTTPAfterResponse) as HAProxy's configuration parser
// writes it back (grammar.HTTPRule says when a line is refused).
func normalizeHTTPRule(keyword, line string) (string, error) {
	a, err := grammar.HTTPRule(keyword, line)
	if err != nil {
		return "", err
	}
	return a.String(), nil
}

// normalizeRequestRule is normalizeHTTPRule for http-request rules.
func normalizeRequestRule(line string) (string, error) {
	return normalizeHTTPRule(grammar.HTTPRequest, line)
}

// normalizeResponseRule is normalizeHTTPRule for http-response rules.
func normalizeResponseRule(line string) (string, error) {
	return normalizeHTTPRule(grammar.HTTPResponse, line)
}

// normalizeACL returns an ACL line (`name criterion [value…]`) with single
// spaces; the criterion and values are HAProxy's to judge.
func normalizeACL(line string) (string, error) {
	parts, err := grammar.SplitRule("acl", line)
	if err != nil {
		return "", err
	}
	if len(parts) < 3 {
		return "", fmt.Errorf("%q is not an ACL: write `name criterion [value…]`, as in `is_app3 path_beg /app3`", line)
	}
	if err := grammar.ProxyName(parts[1]); err != nil {
		return "", fmt.Errorf("ACL name: %v", err)
	}
	return strings.Join(parts[1:], " "), nil
}

// normalizeCondTest normalises the condition of a use_backend rule.
func normalizeCondTest(s string) (string, error) {
	parts, err := grammar.SplitRule("if", s)
	if err != nil {
		return "", err
	}
	return strings.Join(parts[1:], " "), nil
}

// ruleListValidator checks every element of a list of rule lines with
// normalize.
func ruleListValidator(description string, normalize func(string) (string, error)) validator.List {
	return listvalidator.ValueStringsAre(stringCheck{
		description: description,
		check: func(s string) error {
			_, err := normalize(s)
			return err
		},
	})
}

// keepSpelling returns the lines to store in state: the previous spelling
// of each line (from the plan or the prior state) where it means the same
// as what the machine has, else the machine's. So a re-read never shows a
// spurious diff, while a real difference (a hand edit) does.
func keepSpelling(prior, live []string, normalize func(string) (string, error)) []string {
	out := make([]string, len(live))
	for i, l := range live {
		out[i] = l
		if i >= len(prior) {
			continue
		}
		a, errA := normalize(prior[i])
		b, errB := normalize(l)
		if errA == nil && errB == nil && a == b {
			out[i] = prior[i]
		}
	}
	return out
}
