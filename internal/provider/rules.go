package provider

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"

	"github.com/haproxytech/client-native/v5/config-parser/parsers/http"
	cptypes "github.com/haproxytech/client-native/v5/config-parser/types"
)

// Rule lines are HAProxy's own syntax, without their keyword. They are
// parsed here, at plan time, with the same parser the agent (through
// client-native) writes them with, so a typo fails at `terraform validate`.
// What only HAProxy can judge (an unknown fetch, a missing backend or
// userlist) is left to `haproxy -c` on the machine at apply time.

// normalizeRequestRule returns an http-request rule line as HAProxy's
// configuration parser writes it back. It fails when the parser does not
// know the action, or reads the line differently from how it was written
// (it silently drops words it does not expect, e.g. a misspelt `unles`).
func normalizeRequestRule(line string) (string, error) {
	parts, err := grammar.SplitRule("http-request", line)
	if err != nil {
		return "", err
	}
	if len(parts) < 2 {
		return "", fmt.Errorf("an http-request rule must not be empty")
	}
	p := &http.Requests{}
	p.Init()
	if _, err := p.Parse(strings.Join(parts, " "), parts, ""); err != nil {
		return "", fmt.Errorf("%q is not an http-request rule HAProxy's configuration parser understands "+
			"(unknown action %q or missing arguments)", line, parts[1])
	}
	data, err := p.Get(false)
	if err != nil {
		return "", fmt.Errorf("%q: %v", line, err)
	}
	actions, ok := data.([]cptypes.Action)
	if !ok || len(actions) != 1 {
		return "", fmt.Errorf("%q: unexpected parser result", line)
	}
	norm := actions[0].String()
	got, _ := grammar.SplitRule("http-request", norm)
	if !slices.Equal(got, parts) {
		return "", fmt.Errorf("%q is read by HAProxy's configuration parser as %q: check the words it left out", line, norm)
	}
	return norm, nil
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
