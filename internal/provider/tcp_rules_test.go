package provider

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/types"
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
			got, err := normalizeTCPRequestRule(tc.line)
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
			if diff := cmp.Diff(tc.want, tcpRequestState(tc.imported, tc.prior, tc.live)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
