package haproxy

import (
	"slices"
	"strings"
	"unicode"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

// checkBackend rejects requests that could not be written as one clean
// line each. This is a safety boundary: values end up in haproxy.cfg, and a
// newline in a value would inject arbitrary configuration.
func checkBackend(b api.Backend) error {
	lbl := label("backend", b.Name)
	if err := grammar.ProxyName(b.Name); err != nil {
		return api.Errorf(api.CodeInvalid, "%s: backend name: %v", lbl, err)
	}
	if err := checkStickTable(lbl, b.StickTable); err != nil {
		return err
	}
	for field, v := range map[string]string{"mode": b.Mode, "balance": b.Balance} {
		if !oneToken(v) {
			return api.Errorf(api.CodeInvalid, "%s: %s %q must be one word", lbl, field, v)
		}
	}
	seen := map[string]bool{}
	for _, s := range b.Servers {
		if err := grammar.ProxyName(s.Name); err != nil {
			return api.Errorf(api.CodeInvalid, "%s: server name: %v", lbl, err)
		}
		if seen[s.Name] {
			return api.Errorf(api.CodeInvalid, "%s: server %q appears twice", lbl, s.Name)
		}
		seen[s.Name] = true
		if s.Address == "" || !oneToken(s.Address) {
			return api.Errorf(api.CodeInvalid, "%s: server %q: address %q must be one non-empty word", lbl, s.Name, s.Address)
		}
		if s.AdminState != "" && !slices.Contains(api.ServerAdminStates, s.AdminState) {
			return api.Errorf(api.CodeInvalid, "%s: server %q: admin_state %q must be one of %v", lbl, s.Name, s.AdminState, api.ServerAdminStates)
		}
		if !oneToken(s.Namespace) {
			return api.Errorf(api.CodeInvalid, "%s: server %q: namespace %q must be one word", lbl, s.Name, s.Namespace)
		}
	}
	return nil
}

func checkBackendName(name string) error {
	if err := grammar.ProxyName(name); err != nil {
		return api.Errorf(api.CodeInvalid, "%s: backend name: %v", label("backend", name), err)
	}
	return nil
}

// oneToken reports whether v has no whitespace, control characters, quotes
// or comment signs (an empty v is fine: "not set").
func oneToken(v string) bool {
	return !strings.ContainsFunc(v, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == '#' || r == '"' || r == '\'' || r == '\\'
	})
}
