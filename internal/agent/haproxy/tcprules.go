package haproxy

import (
	"fmt"
	"strings"

	"github.com/haproxytech/client-native/v5/config-parser/parsers/tcp"
	"github.com/haproxytech/client-native/v5/config-parser/types"
	"github.com/haproxytech/client-native/v5/configuration"
	"github.com/haproxytech/client-native/v5/models"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// tcp-request rules of a frontend: optional as a whole (nil: the section's
// rules are left as they are), parsed with client-native's own tcp-request
// parser before anything is queued, and written in the requested order.

// tcpRequestRules parses f's tcp-request lines; nil when not managed.
func tcpRequestRules(f api.Frontend) (*[]*models.TCPRequestRule, error) {
	if f.TCPRequest == nil {
		return nil, nil
	}
	rules := []*models.TCPRequestRule{}
	for i, line := range *f.TCPRequest {
		r, err := tcpRequestRuleModel(line, int64(i))
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	return &rules, nil
}

func tcpRequestRuleModel(line string, index int64) (*models.TCPRequestRule, error) {
	parts, err := splitLine("tcp-request", line)
	if err != nil {
		return nil, err
	}
	p := &tcp.Requests{Mode: parentFrontend}
	p.Init()
	if _, err := p.Parse(strings.Join(parts, " "), parts, ""); err != nil {
		return nil, fmt.Errorf("tcp-request rule %q is not understood by HAProxy's configuration parser", line)
	}
	data, err := p.Get(false)
	if err != nil {
		return nil, fmt.Errorf("tcp-request rule %q: %w", line, err)
	}
	rules, ok := data.([]types.TCPType)
	if !ok || len(rules) != 1 {
		return nil, fmt.Errorf("tcp-request rule %q: unexpected parser result", line)
	}
	rule, err := configuration.ParseTCPRequestRule(rules[0])
	if err != nil {
		return nil, fmt.Errorf("tcp-request rule %q: %w", line, err)
	}
	rule.Index = &index
	return rule, nil
}

// writeTCPRequestRules makes the frontend's tcp-request rules exactly
// rules (nil: leaves them). Deleted from the front, since indexes shift
// after each delete; an unchanged list renders the same text.
func writeTCPRequestRules(cl configuration.Configuration, name string, rules *[]*models.TCPRequestRule, tx string) error {
	if rules == nil {
		return nil
	}
	_, cur, err := cl.GetTCPRequestRules(parentFrontend, name, tx)
	if err != nil {
		return err
	}
	for range cur {
		if err := cl.DeleteTCPRequestRule(0, parentFrontend, name, tx, 0); err != nil {
			return err
		}
	}
	for _, r := range *rules {
		if err := cl.CreateTCPRequestRule(parentFrontend, name, r, tx, 0); err != nil {
			return err
		}
	}
	return nil
}

// readTCPRequestRules returns the frontend's tcp-request lines, nil when
// it has none.
func readTCPRequestRules(cl configuration.Configuration, name, tx string) (*[]string, error) {
	_, rules, err := cl.GetTCPRequestRules(parentFrontend, name, tx)
	if err != nil || len(rules) == 0 {
		return nil, err
	}
	lines := []string{}
	for _, r := range rules {
		t, err := configuration.SerializeTCPRequestRule(*r)
		if err != nil {
			return nil, fmt.Errorf("tcp-request rule %d: %w", *r.Index, err)
		}
		lines = append(lines, t.String())
	}
	return &lines, nil
}
