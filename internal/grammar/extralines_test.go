package grammar

import "testing"

func TestExtraLineBackend(t *testing.T) {
	run(t, func(s string) error { return ExtraLine(SectionBackend, s) }, []check{
		{"option http-keep-alive", ""},
		{"http-reuse always", ""},
		{"compression algo gzip", ""},
		{"timeout tunnel 1h", ""}, // timeout, but not one the backend types
		{"option httplog", ""},    // a frontend attribute, not a backend one
		{"no option http-buffer-request", ""},
		{"tcp-request content accept", "tcp_request attribute"},
		{"tcp-response content accept", "tcp_response attribute"},
		{"http-after-response del-header Server", "http_after_response attribute"},
		{"", "must not be empty"},
		{"   ", "must not be empty"},
		{" http-reuse always", "starts or ends with spaces"},
		{"http-reuse always ", "starts or ends with spaces"},
		{"http-reuse always\nbalance first", "line break"},
		{"http-reuse always # why", "'#'"},
		{"# switchyard", "'#'"},
		{"http-reuse\x00always", "contains"},
		{"###_config-snippet_### END", "'#'"},
		{"option config-snippet", "the agent uses to mark"},
		{"balance leastconn", "balance attribute"},
		{"server s 127.0.0.1:80", "servers attribute"},
		{"mode tcp", "mode attribute"},
		{"http-request deny", "http_request attribute"},
		{"http-response del-header Server", "http_response attribute"},
		{"option httpchk GET /", "http_check attribute"},
		{"no option redispatch", "redispatch attribute"},
		{"option redispatch", "redispatch attribute"},
		{"timeout server 5s", "timeout_server attribute"},
		{"retry-on all-retryable-errors", "retry_on attribute"},
		{"stick-table type ip size 1k", "stick_table attribute"},
		{"backend other", `new "backend" section`},
		{"global", `new "global" section`},
		{"bind :80", ""}, // not a backend keyword: haproxy -c judges it
	})
}

func TestExtraLineFrontend(t *testing.T) {
	run(t, func(s string) error { return ExtraLine(SectionFrontend, s) }, []check{
		{"option http-keep-alive", ""},
		{"timeout client 30s", ""},
		{"balance roundrobin", ""}, // a backend attribute, not a frontend one
		{"bind :80", "binds attribute"},
		{"acl a path_beg /a", "acls attribute"},
		{"use_backend b if a", "use_backend attribute"},
		{"default_backend b", "default_backend attribute"},
		{"option forwardfor", "forwardfor attribute"},
		{"tcp-request content accept", "tcp_request attribute"},
		{"http-after-response set-header X-A b", "http_after_response attribute"},
		{"maxconn 10", "maxconn attribute"},
		{"listen x", `new "listen" section`},
	})
}

func TestExtraLines(t *testing.T) {
	if err := ExtraLines(SectionBackend, []string{"http-reuse always", "option http-keep-alive"}); err != nil {
		t.Errorf("valid list: %v", err)
	}
	run(t, func(s string) error { return ExtraLines(SectionBackend, []string{"http-reuse always", s}) }, []check{
		{"http-reuse always", "extra_lines[1]: \"http-reuse always\" is listed twice"},
		{"balance first", "extra_lines[1]:"},
	})
	if err := ExtraLine("listen", "http-reuse always"); err == nil {
		t.Errorf("a section without extra lines accepted one")
	}
}
