package provider

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

func TestNormalizeTCPRequestRule(t *testing.T) {
	for _, tc := range []struct {
		line, want, wantErr string
	}{
		{line: "connection reject if { src 192.0.2.0/24 }", want: "connection reject if { src 192.0.2.0/24 }"},
		{line: "connection   accept", want: "connection accept"},
		{line: "content accept if { req.len gt 0 }", want: "content accept if { req.len gt 0 }"},
		{line: "session reject unless ok", want: "session reject unless ok"},
		{line: "inspect-delay 5s", want: "inspect-delay 5000"},
		{line: "inspect-delay 5000", want: "inspect-delay 5000"},
		{line: "inspect-delay soon", wantErr: "inspect-delay takes one duration"},
		{line: "connection explode", wantErr: "is not a tcp-request rule HAProxy's configuration parser understands"},
		{line: "request accept", wantErr: `unknown kind "request"`},
		{line: "content", wantErr: "is not a tcp-request rule: write"},
		{line: "connection reject # x", wantErr: "#"},
	} {
		t.Run(tc.line, func(t *testing.T) {
			got, err := tcpRequestKind.normalize(grammar.SectionFrontend, tc.line)
			switch {
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %v, want one containing %q (got %q)", err, tc.wantErr, got)
				}
			case err != nil:
				t.Errorf("unexpected error: %v", err)
			case got != tc.want:
				t.Errorf("normalized to %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTCPRequestState(t *testing.T) {
	live := &[]string{"inspect-delay 5000", "connection reject if { src 192.0.2.0/24 }"}
	prior := []types.String{types.StringValue("inspect-delay 5s"), types.StringValue("connection reject if { src 10.0.0.0/8 }")}
	for name, tc := range map[string]struct {
		imported bool
		prior    []types.String
		live     *[]string
		want     []types.String
	}{
		"not managed": {false, nil, live, nil},
		"managed: prior spelling where the same, the machine's where not": {false, prior, live,
			[]types.String{types.StringValue("inspect-delay 5s"), types.StringValue("connection reject if { src 192.0.2.0/24 }")}},
		"managed, all removed by hand": {false, prior, nil, []types.String{}},
		"imported with rules":          {true, nil, live, tfStrs(*live)},
		"imported without rules":       {true, nil, nil, nil},
	} {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tcpRequestKind.state(grammar.SectionFrontend, tc.imported, tc.prior, tc.live)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// The new kinds, in the sections that take them: what the parser accepts
// comes back in its spelling, what it refuses names why.
func TestRuleKindNormalizers(t *testing.T) {
	for _, tc := range []struct {
		kind             ruleKind
		section          string
		line, want, fail string
	}{
		{kind: tcpRequestKind, section: grammar.SectionBackend, line: "content   reject if { req.len lt 4 }", want: "content reject if { req.len lt 4 }"},
		{kind: tcpRequestKind, section: grammar.SectionBackend, line: "inspect-delay 2s", want: "inspect-delay 2000"},
		{kind: tcpRequestKind, section: grammar.SectionBackend, line: "connection reject", fail: "a backend takes only `content` and `inspect-delay` tcp-request rules"},
		{kind: tcpRequestKind, section: grammar.SectionBackend, line: "session accept", fail: "belong on the frontend"},
		{kind: tcpRequestKind, section: grammar.SectionBackend, line: "content", fail: "write `content ACTION"},
		{kind: tcpResponseKind, section: grammar.SectionBackend, line: "content reject if { res.len gt 10 }", want: "content reject if { res.len gt 10 }"},
		{kind: tcpResponseKind, section: grammar.SectionBackend, line: "inspect-delay 500ms", want: "inspect-delay 500"},
		{kind: tcpResponseKind, section: grammar.SectionBackend, line: "connection reject", fail: "is not a tcp-response rule HAProxy's configuration parser understands"},
		{kind: tcpResponseKind, section: grammar.SectionBackend, line: "content explode", fail: "is not a tcp-response rule HAProxy's configuration parser understands"},
		{kind: httpAfterResponseKind, section: grammar.SectionFrontend, line: "set-header X-After  yes", want: "set-header X-After yes"},
		{kind: httpAfterResponseKind, section: grammar.SectionBackend, line: `set-header Cache-Control "no-store" if { status 200 }`, want: `set-header Cache-Control "no-store" if { status 200 }`},
		{kind: httpAfterResponseKind, section: grammar.SectionFrontend, line: "del-header Server", want: "del-header Server"},
		{kind: httpAfterResponseKind, section: grammar.SectionFrontend, line: "deny", fail: `unknown action "deny"`},
		{kind: httpAfterResponseKind, section: grammar.SectionFrontend, line: "set-header X-Only", fail: "missing arguments"},
		{kind: httpAfterResponseKind, section: grammar.SectionFrontend, line: "set-header X # y", fail: "#"},
	} {
		t.Run(tc.kind.attr+"/"+tc.line, func(t *testing.T) {
			got, err := tc.kind.normalize(tc.section, tc.line)
			switch {
			case tc.fail != "":
				if err == nil || !strings.Contains(err.Error(), tc.fail) {
					t.Errorf("error %v, want one containing %q (got %q)", err, tc.fail, got)
				}
			case err != nil:
				t.Errorf("unexpected error: %v", err)
			case got != tc.want:
				t.Errorf("normalized to %q, want %q", got, tc.want)
			}
		})
	}
}

// Every kind is an attribute of the sections it says, and its
// description names its keyword.
func TestRuleKindAttributes(t *testing.T) {
	for _, k := range ruleKinds {
		for section, ok := range map[string]bool{grammar.SectionFrontend: k.frontend, grammar.SectionBackend: k.backend} {
			if !ok {
				continue
			}
			a := k.attribute(section)
			if !strings.Contains(a.MarkdownDescription, "`"+k.keyword+"`") || len(a.Validators) != 1 {
				t.Errorf("%s on %s: %+v", k.attr, section, a)
			}
		}
	}
}
