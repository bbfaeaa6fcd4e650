package grammar

import (
	"strings"
	"testing"
)

// The provider's and the agent's tests cover the lines; this covers what
// only HTTPRule decides: which parser a keyword gets.
func TestHTTPRuleKeyword(t *testing.T) {
	tests := []struct {
		keyword, line, wantErr string
	}{
		{HTTPRequest, "redirect scheme https code 301 unless { ssl_fc }", ""},
		{HTTPResponse, "auth realm x", "not an http-response rule"},
		{HTTPResponse, "set-status 503", ""},
		{HTTPRequest, "set-status 503", "not an http-request rule"},
		{"tcp-request", "reject", "not an HTTP rule keyword"},
	}
	for _, tc := range tests {
		_, err := HTTPRule(tc.keyword, tc.line)
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("HTTPRule(%q, %q) = %v, want error %q", tc.keyword, tc.line, err, tc.wantErr)
		}
	}
}
