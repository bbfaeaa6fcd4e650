package api

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDynamicBalance(t *testing.T) {
	for alg, want := range map[string]bool{
		"": true, "roundrobin": true, "leastconn": true, "random": true,
		"static-rr": false, "first": false, "source": false, "uri": false, "url_param": false, "hdr": false, "rdp-cookie": false,
	} {
		if got := DynamicBalance(alg); got != want {
			t.Errorf("DynamicBalance(%q) = %v, want %v", alg, got, want)
		}
	}
}

func TestLiveAddress(t *testing.T) {
	p := func(v int64) *int64 { return &v }
	for name, tc := range map[string]struct {
		from, to Server
		want     bool
	}{
		"unchanged host name": {Server{Address: "app.internal", Port: p(80)}, Server{Address: "app.internal", Port: p(80)}, true},
		"ip and port":         {Server{Address: "127.0.0.1", Port: p(80)}, Server{Address: "10.0.0.2", Port: p(81)}, true},
		"ipv6":                {Server{Address: "127.0.0.1", Port: p(80)}, Server{Address: "::1", Port: p(80)}, true},
		"to a host name":      {Server{Address: "127.0.0.1", Port: p(80)}, Server{Address: "app.internal", Port: p(80)}, false},
		"port of a host name": {Server{Address: "app.internal", Port: p(80)}, Server{Address: "app.internal", Port: p(81)}, false},
		"port removed":        {Server{Address: "127.0.0.1", Port: p(80)}, Server{Address: "127.0.0.1"}, false},
		"port added":          {Server{Address: "127.0.0.1"}, Server{Address: "127.0.0.1", Port: p(80)}, false},
	} {
		if got := LiveAddress(tc.from, tc.to); got != tc.want {
			t.Errorf("%s: LiveAddress = %v, want %v", name, got, tc.want)
		}
	}
}

func TestServerListBlockers(t *testing.T) {
	s := func(names ...string) []Server {
		var out []Server
		for _, n := range names {
			out = append(out, Server{Name: n, Address: "127.0.0.1"})
		}
		return out
	}
	ns := Server{Name: "x", Address: "127.0.0.1", Namespace: "x"}
	for name, tc := range map[string]struct {
		from, to Backend
		want     []string
	}{
		"same":                {Backend{Servers: s("a", "b")}, Backend{Servers: s("a", "b")}, nil},
		"added anywhere":      {Backend{Servers: s("a", "b")}, Backend{Servers: s("c", "a", "d", "b")}, nil},
		"removed":             {Backend{Servers: s("a", "b", "c")}, Backend{Servers: s("a", "c")}, nil},
		"reordered":           {Backend{Servers: s("a", "b")}, Backend{Servers: s("b", "a")}, []string{"servers reordered"}},
		"reorder on static":   {Backend{Balance: "first", Servers: s("a", "b")}, Backend{Balance: "first", Servers: s("b", "a")}, []string{"servers reordered"}},
		"added on static-rr":  {Backend{Balance: "static-rr", Servers: s("a")}, Backend{Balance: "static-rr", Servers: s("a", "b")}, []string{"balance static-rr cannot add or remove servers at runtime"}},
		"removed on source":   {Backend{Balance: "source", Servers: s("a", "b")}, Backend{Balance: "source", Servers: s("a")}, []string{"balance source cannot add or remove servers at runtime"}},
		"namespaced added":    {Backend{Servers: s("a")}, Backend{Servers: append(s("a"), ns)}, []string{`server "x" added with a namespace`}},
		"host name added":     {Backend{Servers: s("a")}, Backend{Servers: append(s("a"), Server{Name: "h", Address: "app.internal"})}, []string{`server "h" added with a host name`}},
		"namespaced removed":  {Backend{Servers: append(s("a"), ns)}, Backend{Servers: s("a")}, nil},
		"namespaced kept":     {Backend{Servers: append(s("a"), ns)}, Backend{Servers: append(s("a", "b"), ns)}, nil},
		"from nothing":        {Backend{}, Backend{Servers: s("a")}, nil},
		"to nothing on first": {Backend{Balance: "first", Servers: s("a")}, Backend{Balance: "first"}, []string{"balance first cannot add or remove servers at runtime"}},
	} {
		if diff := cmp.Diff(tc.want, ServerListBlockers(tc.from, tc.to)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
}
