package grammar

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// check is one input of a grammar; wantErr is a substring of the error, ""
// for an input the grammar accepts. Every rule of a grammar has a case that
// is accepted just inside it and one rejected just outside it, so a change of
// the rule fails a case.
type check struct {
	in      string
	wantErr string
}

func run(t *testing.T, fn func(string) error, cases []check) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			err := fn(tc.in)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("(%q) = %v, want no error", tc.in, err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("(%q) = nil, want an error containing %q", tc.in, tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Fatalf("(%q) = %q, want it to contain %q", tc.in, err, tc.wantErr)
			}
		})
	}
}

func TestProxyName(t *testing.T) {
	run(t, ProxyName, []check{
		{"web", ""},
		{"web-1_a.b:c", ""},
		{"A9", ""},
		{strings.Repeat("a", MaxNameLen), ""},
		{"", "must not be empty"},
		{strings.Repeat("a", MaxNameLen+1), "at most 255"},
		{"my web", "a space"},
		{"web\t", "a tab"},
		{`"web"`, "a double quote"},
		{"it's", "a single quote"},
		{"web#1", "starts a comment"},
		{"web/1", `'/'`},
		{"web@1", `'@'`},
		{"wéb", `'é'`},
		{"web\n", "a line break"},
	})
}

func TestCacheName(t *testing.T) {
	run(t, CacheName, []check{
		{strings.Repeat("c", MaxCacheNameLen), ""},
		{strings.Repeat("c", MaxCacheNameLen+1), "only the first 32"},
		{"my cache", "a space"},
		{"", "must not be empty"},
	})
}

func TestMapName(t *testing.T) {
	run(t, MapName, []check{
		{"deluxe", ""},
		{"users.v2-a_b", ""},
		{"a.", ""},
		{strings.Repeat("a", MaxMapNameLen), ""},
		{"", "must not be empty"},
		{strings.Repeat("a", MaxMapNameLen+1), "longer than 250"},
		{".hidden", "starts with a dot"},
		{"../escape", "starts with a dot"},
		{"a/b", `'/'`},
		{"a b", "a space"},
		{"a:b", `':'`},
	})
}

func TestMapKey(t *testing.T) {
	run(t, MapKey, []check{
		{"john", ""},
		{"/api/v1", ""},
		{"a#b", ""},
		{"", "must not be empty"},
		{"#x", "starts with `#`"},
		{"jo hn", "a space"},
		{"jo\thn", "a tab"},
		{"jo\nhn", "a line break"},
		{"jo\vhn", "ends the key at the first blank"},
	})
}

func TestMapValue(t *testing.T) {
	run(t, MapValue, []check{
		{"deluxe", ""},
		{"a b", ""},
		{"#x", ""},
		{"", "must not be empty"},
		{"a\nb", "a line break"},
		{"a\rb", "a line break"},
		{" a", "blanks at its start or end"},
		{"a\t", "blanks at its start or end"},
	})
}

func TestUnitWords(t *testing.T) {
	cases := []check{
		{"app", ""},
		{"_x", ""},
		{"a.b-c_9", ""},
		{strings.Repeat("a", 64), ""},
		{"", "is not a valid"},
		{strings.Repeat("a", 65), "is not a valid"},
		{"-a", "is not a valid"},
		{".a", "is not a valid"},
		{"a b", "is not a valid"},
		{"a/b", "is not a valid"},
		{"a:b", "is not a valid"},
		{"a@b", "is not a valid"},
	}
	run(t, NamespaceName, cases)
	run(t, ServiceName, cases)
	if err := NamespaceName("a b"); err == nil || !strings.Contains(err.Error(), "namespace name") {
		t.Errorf("NamespaceName: %v, want it to name a namespace", err)
	}
	if err := ServiceName("a b"); err == nil || !strings.Contains(err.Error(), "service name") {
		t.Errorf("ServiceName: %v, want it to name a service", err)
	}
}

func TestSplitRule(t *testing.T) {
	for _, tc := range []struct {
		line    string
		want    []string
		wantErr string
	}{
		{"set-header X-A b", []string{"http-request", "set-header", "X-A", "b"}, ""},
		{"  deny   if  { path_beg /x }  ", []string{"http-request", "deny", "if", "{", "path_beg", "/x", "}"}, ""},
		{`return status 200 content-type "text/plain" string "a b"`, []string{"http-request", "return", "status", "200", "content-type", `"text/plain"`, "string", `"a b"`}, ""},
		{"deny\nlisten evil", nil, "must be one line"},
		{"deny\r", nil, "must be one line"},
		{"deny # why", nil, "starts a comment"},
		{"# deny", nil, "starts a comment"},
	} {
		t.Run(tc.line, func(t *testing.T) {
			got, err := SplitRule("http-request", tc.line)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("SplitRule(%q) = %q, %v; want an error containing %q", tc.line, got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestCertificateName(t *testing.T) {
	run(t, CertificateName, []check{
		{"example.com", ""},
		{"www_2-a.b", ""},
		{strings.Repeat("a", MaxCertificateNameLen), ""},
		{"", "must not be empty"},
		{strings.Repeat("a", MaxCertificateNameLen+1), "longer than 251"},
		{".hidden", "starts with a dot"},
		{"../escape", "starts with a dot"},
		{"a/b", `'/'`},
		{"a b", "a space"},
		{"a;b", `';'`},
	})
}

func TestALPN(t *testing.T) {
	run(t, ALPN, []check{
		{"h2,http/1.1", ""},
		{"http/1.1", ""},
		{strings.Repeat("a", 255), ""},
		{"", "must not be empty"},
		{"h2,", "1 to 255 characters"},
		{strings.Repeat("a", 256), "1 to 255 characters"},
		{"h2, http/1.1", "a space"},
		{"h2#x", `'#'`},
	})
}

func TestStickTableStore(t *testing.T) {
	run(t, StickTableStore, []check{
		{"conn_cur", ""},
		{"http_req_rate(10s)", ""},
		{"http_req_rate(500)", ""},
		{"gpc(2)", ""},
		{"gpc(100)", ""},
		{"gpc(101)", "count from 1 to 100"},
		{"gpc(0)", "count from 1 to 100"},
		{"gpc_rate(2,10s)", ""},
		{"gpc_rate(2)", "count from 1 to 100 and a period"},
		{"conn_cur(10s)", "takes no argument"},
		{"http_req_rate", "takes a period"},
		{"http_req_rate(0)", "takes a period"},
		{"http_req_rate(10x)", "takes a period"},
		{"http_reqs_rate(10s)", "not one of HAProxy's"},
		{"conn_cur,conn_rate(1s)", "not a data type"},
		{"", "not a data type"},
	})
}

func TestStickTableSize(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    int64
		wantErr string
	}{
		{"1", 1, ""},
		{"100k", 102400, ""},
		{"1M", 1 << 20, ""},
		{"3g", 3 << 30, ""},
		{"4g", 0, "more entries"},
		{"0", 0, "not a number of entries"},
		{"-1k", 0, "not a number of entries"},
		{"10kb", 0, "not a number of entries"},
		{"", 0, "not a number of entries"},
	} {
		got, err := StickTableSize(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("StickTableSize(%q) = %d, %v; want error containing %q", tc.in, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("StickTableSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestSplitStore(t *testing.T) {
	for in, want := range map[string][]string{
		"":                                {},
		"conn_cur":                        {"conn_cur"},
		"http_req_rate(10s),conn_cur":     {"http_req_rate(10s)", "conn_cur"},
		"gpc_rate(2,10s),gpc(2),conn_cnt": {"gpc_rate(2,10s)", "gpc(2)", "conn_cnt"},
	} {
		if diff := cmp.Diff(want, SplitStore(in)); diff != "" {
			t.Errorf("SplitStore(%q) (-want +got):\n%s", in, diff)
		}
	}
}
