package grammar

import (
	"strings"
	"testing"
)

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

func TestExtraLineGlobal(t *testing.T) {
	run(t, func(s string) error { return ExtraLine(SectionGlobal, s) }, []check{
		{"tune.bufsize 32768", ""},
		{"ssl-default-bind-options ssl-min-ver TLSv1.2", ""},
		{"stats timeout 30s", ""}, // stats, but not the socket
		{"maxconn 100", "switchyard_haproxy's maxconn attribute"},
		{"nbthread 2", "nbthread attribute"},
		{"log /dev/log local0", "log_targets attribute"},
		{"user haproxy", "run_as_root attribute"},
		{"group haproxy", "run_as_root attribute"},
		{"stats socket /run/x.sock", "runtime_socket attribute"},
		{"hard-stop-after 1m", "hard_stop_after attribute"},
		{"server-state-file /tmp/s", "server_state_file attribute"},
		{"localpeer other", "the agent sets it"},
		{"defaults", `new "defaults" section`},
		{"tune.bufsize 32768 # big", "'#'"},
	})
}

func TestExtraLineDefaults(t *testing.T) {
	run(t, func(s string) error { return ExtraLine(SectionDefaults, s) }, []check{
		{"timeout http-request 10s", ""},
		{"option dontlognull", ""},
		{"retries 3", ""},
		{"mode http", "switchyard_haproxy's mode attribute"},
		{"timeout client 5s", "timeout_client attribute"},
		{"timeout connect 5s", "timeout_connect attribute"},
		{"timeout server 5s", "timeout_server attribute"},
		{"option httplog", "httplog attribute"},
		{"no option httplog", "httplog attribute"},
		{"option forwardfor", "forwardfor attribute"},
		{"load-server-state-from-file global", "server_state_file attribute"},
		{"frontend x", `new "frontend" section`},
	})
}

func TestExtraLineCache(t *testing.T) {
	run(t, func(s string) error { return ExtraLine(SectionCache, s) }, []check{
		{"process-vary on", ""},
		{"process-vary off", ""},
		{"max-secondary-entries 10", ""},
		{"max-secondary-entries 2147483647", ""},
		{"process-vary yes", "process-vary on|off"},
		{"process-vary  on", "separated by one space"},
		{"max-secondary-entries 0", "from 1 to"},
		{"max-secondary-entries 010", "without leading zeros"},
		{"max-secondary-entries 2147483648", "from 1 to"},
		{"max-secondary-entries", "max-secondary-entries <n>"},
		{"max-age 60", "may only be process-vary on|off or max-secondary-entries <n>"},
		{"total-max-size 4", "are attributes"},
		{"option http-keep-alive", "may only be"},
		{"backend b", `new "backend" section`},
	})
}

func TestExtraLineUserlist(t *testing.T) {
	run(t, func(s string) error { return ExtraLine(SectionUserlist, s) }, []check{
		{"group admins", "a userlist takes no extra lines"},
		{"user bob insecure-password x", "a userlist takes no extra lines"},
		{"", "must not be empty"},
	})
}

func TestExtraLinesList(t *testing.T) {
	for _, c := range []struct {
		section string
		lines   []string
		want    string
	}{
		{SectionCache, []string{"process-vary on", "max-secondary-entries 4"}, ""},
		{SectionCache, []string{"process-vary on", "process-vary off"}, "extra_lines[1]: \"process-vary off\" sets process-vary a second time"},
		{SectionGlobal, []string{"tune.bufsize 32768", "tune.bufsize 32768"}, "global_extra_lines[1]: \"tune.bufsize 32768\" is listed twice"},
		{SectionDefaults, []string{"mode tcp"}, "defaults_extra_lines[0]: "},
		{SectionBackend, []string{"http-reuse always", "http-reuse never"}, ""}, // haproxy -c judges repeats
	} {
		err := ExtraLines(c.section, c.lines)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("ExtraLines(%s, %q) = %v, want nil", c.section, c.lines, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("ExtraLines(%s, %q) = %v, want an error containing %q", c.section, c.lines, err, c.want)
		}
	}
}
