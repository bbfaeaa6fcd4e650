package provider

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNormalizeRequestRule(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "auth realm Members if !authenticated", want: "auth realm Members if !authenticated"},
		{in: "auth   unless { http_auth(mycredentials) }", want: "auth unless { http_auth(mycredentials) }"},
		{in: "deny if is_static", want: "deny if is_static"},
		{in: "set-header X-Forwarded-Proto https", want: "set-header X-Forwarded-Proto https"},
		{in: "redirect  scheme https code 301 unless { ssl_fc }", want: "redirect scheme https code 301 unless { ssl_fc }"},
		{in: "redirect scheme https code 301 unles { ssl_fc }", wantErr: true},
		{in: "set-status 503", wantErr: true}, // a response-only action
		// Rate limits and caching are http-request lines too (issue 12).
		{in: "track-sc0 src", want: "track-sc0 src"},
		{in: "track-sc1  req.hdr(X-User) table limited", want: "track-sc1 req.hdr(X-User) table limited"},
		{in: "deny deny_status 429 if { sc_http_req_rate(0) gt 10 }", want: "deny deny_status 429 if { sc_http_req_rate(0) gt 10 }"},
		{in: "tarpit if { sc_http_req_rate(1) gt 100 }", want: "tarpit if { sc_http_req_rate(1) gt 100 }"},
		{in: "cache-use static if { path_beg /static }", want: "cache-use static if { path_beg /static }"},
		{in: "track-sc0", wantErr: true},                 // no key
		{in: "auht realm x", wantErr: true},              // unknown action
		{in: "auth realm x unles { ok }", wantErr: true}, // misspelt condition, dropped by the parser
		{in: "deny # comment", wantErr: true},            // would be cut short
		{in: "deny\nbackend x", wantErr: true},           // injection
		{in: "", wantErr: true},
	}
	for _, tc := range tests {
		got, err := normalizeRequestRule(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("normalizeRequestRule(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if got != tc.want {
			t.Errorf("normalizeRequestRule(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNormalizeResponseRule(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		// Quotes survive, so the state keeps what HAProxy reads back.
		{in: `set-header Strict-Transport-Security "max-age=31536000"`, want: `set-header Strict-Transport-Security "max-age=31536000"`},
		{in: `set-header  Strict-Transport-Security "max-age=31536000; includeSubDomains" if { ssl_fc }`,
			want: `set-header Strict-Transport-Security "max-age=31536000; includeSubDomains" if { ssl_fc }`},
		{in: "del-header Server", want: "del-header Server"},
		{in: "set-status 503 if { status 502 }", want: "set-status 503 if { status 502 }"},
		{in: "auth realm x", wantErr: true},                   // a request-only action
		{in: "del-header Server unles { ok }", wantErr: true}, // dropped by the parser
		{in: "del-header Server # c", wantErr: true},
		{in: "deny\nbackend x", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tc := range tests {
		got, err := normalizeResponseRule(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("normalizeResponseRule(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if got != tc.want {
			t.Errorf("normalizeResponseRule(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNormalizeACL(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "is_app3 path_beg /app3", want: "is_app3 path_beg /app3"},
		{in: "  is_static   path_end .css .js", want: "is_static path_end .css .js"},
		{in: "gold http_auth_group(members) gold", want: "gold http_auth_group(members) gold"},
		{in: "is_app3", wantErr: true},
		{in: "bad name path_beg /", wantErr: false, want: "bad name path_beg /"}, // "name" is the criterion: HAProxy's to judge
		{in: "bad!name path_beg /", wantErr: true},
		{in: "x path_beg /a # c", wantErr: true},
	}
	for _, tc := range tests {
		got, err := normalizeACL(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("normalizeACL(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if got != tc.want {
			t.Errorf("normalizeACL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestKeepSpelling(t *testing.T) {
	prior := []string{"auth   unless { http_auth(l) }", "deny if a"}
	live := []string{"auth unless { http_auth(l) }", "deny if b", "allow"}
	want := []string{"auth   unless { http_auth(l) }", "deny if b", "allow"}
	if diff := cmp.Diff(want, keepSpelling(prior, live, normalizeRequestRule)); diff != "" {
		t.Errorf("keepSpelling (-want +got):\n%s", diff)
	}
}
