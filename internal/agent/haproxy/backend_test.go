package haproxy

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/machinelock"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func web() api.Backend {
	return api.Backend{Name: "web", Mode: "http", Balance: "roundrobin", Servers: []api.Server{
		{Name: "app1", Address: "127.0.0.1", Port: i64(8080), Check: true},
		{Name: "app2", Address: "127.0.0.1", Port: i64(8081), Weight: i64(10)},
	}, HTTPRequest: &[]string{}, HTTPResponse: &[]string{}}
}

func TestBackendCRUD(t *testing.T) {
	f := newFixture(t)
	m := f.m

	got, err := m.CreateBackend(t.Context(), web())
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if diff := cmp.Diff(web(), got); diff != "" {
		t.Errorf("create read-back (-want +got):\n%s", diff)
	}
	file := f.read(t)
	for _, want := range []string{
		// Every proxy in the file inherits `defaults base` implicitly, so
		// the new one must too (see defaultsFor).
		"\nbackend web\n",
		"  server app1 127.0.0.1:8080 check\n",
		"  server app2 127.0.0.1:8081 weight 10\n",
		"\nbackend legacy\n",
	} {
		if !strings.Contains(file, want) {
			t.Errorf("config file lacks %q:\n%s", want, file)
		}
	}
	if _, err := m.CreateBackend(t.Context(), web()); code(err) != api.CodeExists {
		t.Errorf("second create: code %q (%v), want %q", code(err), err, api.CodeExists)
	}

	// Update: app1 dropped, app3 added before app2, algorithm changed.
	// The extensions too: rules, health check, inter and maxconn.
	upd := api.Backend{Name: "web", Mode: "http", Balance: "leastconn", Servers: []api.Server{
		{Name: "app3", Address: "127.0.0.1", Port: i64(8082), Backup: true, Check: true, Inter: i64(1000), Maxconn: i64(5)},
		{Name: "app2", Address: "127.0.0.2", Port: i64(8081)},
	}, HTTPRequest: &[]string{"set-header X-A b", "deny if { path /x }"},
		HTTPResponse: &[]string{`set-header Strict-Transport-Security "max-age=31536000"`}, HTTPCheck: &api.HTTPCheck{Method: "GET", URI: "/health"}}
	got, err = m.UpdateBackend(t.Context(), upd)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if diff := cmp.Diff(upd, got); diff != "" {
		t.Errorf("update read-back (-want +got):\n%s", diff)
	}
	file = f.read(t)
	for _, want := range []string{"option httpchk GET /health\n", "http-request set-header X-A b\n", "http-request deny if { path /x }\n",
		"http-response set-header Strict-Transport-Security \"max-age=31536000\"\n", "inter 1000", "maxconn 5"} {
		if !strings.Contains(file, want) {
			t.Errorf("config file lacks %q:\n%s", want, file)
		}
	}
	// Null extensions leave what the section has.
	keep := upd
	keep.HTTPRequest, keep.HTTPResponse, keep.HTTPCheck = nil, nil, nil
	keep.Servers = []api.Server{{Name: "app3", Address: "127.0.0.1", Port: i64(8082), Backup: true, Check: true}, upd.Servers[1]}
	if got, err = m.UpdateBackend(t.Context(), keep); err != nil {
		t.Fatalf("update with nulls: %v", err)
	}
	if diff := cmp.Diff(upd, got); diff != "" {
		t.Errorf("update with nulls read-back (-want +got):\n%s", diff)
	}
	if _, err := m.UpdateBackend(t.Context(), api.Backend{Name: "nope"}); code(err) != api.CodeNotFound {
		t.Errorf("update of a missing backend: code %q (%v), want %q", code(err), err, api.CodeNotFound)
	}

	names, err := m.ListBackends()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"legacy", "web"}, names); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}

	if err := m.DeleteBackend("web"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := m.GetBackend(t.Context(), "web"); code(err) != api.CodeNotFound {
		t.Errorf("get after delete: code %q (%v), want %q", code(err), err, api.CodeNotFound)
	}
	if err := m.DeleteBackend("web"); code(err) != api.CodeNotFound {
		t.Errorf("second delete: code %q (%v), want %q", code(err), err, api.CodeNotFound)
	}
	if strings.Contains(f.read(t), "backend web") {
		t.Errorf("backend web still in the file")
	}
	// create, update, delete: one reload each; failed calls none.
	if n := f.reloader.calls.Load(); n != 3 {
		t.Errorf("reloads = %d, want 3", n)
	}
}

// http-response rules are not among what the runtime API changes: an
// update of them alone reloads, and a bad one is refused before the file.
func TestBackendResponseRulesReload(t *testing.T) {
	f := newFixture(t)
	if _, err := f.m.CreateBackend(t.Context(), web()); err != nil {
		t.Fatalf("create: %v", err)
	}
	reloads := f.reloader.calls.Load()
	upd := web()
	upd.HTTPResponse = &[]string{"del-header Server"}
	got, err := f.m.UpdateBackend(t.Context(), upd)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if diff := cmp.Diff(upd, got); diff != "" {
		t.Errorf("update read-back (-want +got):\n%s", diff)
	}
	if n := f.reloader.calls.Load(); n != reloads+1 {
		t.Errorf("reloads %d -> %d, want one", reloads, n)
	}
	before := f.read(t)
	bad := web()
	bad.HTTPResponse = &[]string{"frobnicate"}
	if _, err := f.m.UpdateBackend(t.Context(), bad); code(err) != api.CodeInvalid || !strings.Contains(err.Error(), "frobnicate") {
		t.Errorf("bad rule: code %q (%v), want %q naming it", code(err), err, api.CodeInvalid)
	}
	if after := f.read(t); after != before {
		t.Errorf("file changed by a refused update:\n%s", after)
	}
}

func TestUpdateKeepsUnmanagedAttributes(t *testing.T) {
	f := newFixture(t)
	_, err := f.m.UpdateBackend(t.Context(), api.Backend{Name: "legacy", Balance: "roundrobin", Servers: []api.Server{
		{Name: "old1", Address: "127.0.0.1", Port: i64(9011), Check: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	file := f.read(t)
	for _, want := range []string{"timeout server 5000", "option httpchk GET /health", "server old1 127.0.0.1:9011 check maxconn 20", "balance roundrobin"} {
		if !strings.Contains(file, want) {
			t.Errorf("config file lacks %q:\n%s", want, file)
		}
	}
	if strings.Contains(file, "old2") {
		t.Errorf("server old2 should be gone:\n%s", file)
	}
}

func TestUnchangedUpdateDoesNotReload(t *testing.T) {
	f := newFixture(t)
	if _, err := f.m.CreateBackend(t.Context(), web()); err != nil {
		t.Fatal(err)
	}
	before := f.read(t)
	if _, err := f.m.UpdateBackend(t.Context(), web()); err != nil {
		t.Fatal(err)
	}
	if after := f.read(t); after != before {
		t.Errorf("a no-op update rewrote the file:\n%s", cmp.Diff(before, after))
	}
	if n := f.reloader.calls.Load(); n != 1 {
		t.Errorf("reloads = %d, want 1 (the create only)", n)
	}
}

func TestRejectedChangeLeavesFileAlone(t *testing.T) {
	tests := []struct {
		name       string
		backend    api.Backend
		code       string
		detailHas  string
		messageHas string
	}{
		{
			// client-native's model accepts any address without spaces.
			name:       "haproxy -c rejects an invalid address",
			backend:    api.Backend{Name: "bad", Servers: []api.Server{{Name: "s", Address: "999.1.1.1", Port: i64(80)}}},
			code:       api.CodeRejected,
			messageHas: `backend "bad": HAProxy rejected the configuration`,
			detailHas:  "999.1.1.1",
		},
		{
			name:       "haproxy -c rejects an address with a stray port",
			backend:    api.Backend{Name: "bad", Servers: []api.Server{{Name: "s", Address: "127.0.0.1:x", Port: i64(80)}}},
			code:       api.CodeRejected,
			messageHas: `backend "bad": HAProxy rejected the configuration`,
			detailHas:  "[ALERT]",
		},
		{
			name:       "client-native rejects a port out of range",
			backend:    api.Backend{Name: "bad", Servers: []api.Server{{Name: "s", Address: "127.0.0.1", Port: i64(70000)}}},
			code:       api.CodeRejected,
			messageHas: `backend "bad": invalid value`,
			detailHas:  "port",
		},
		{
			name:       "client-native rejects an unknown balance algorithm",
			backend:    api.Backend{Name: "bad", Balance: "frobnicate"},
			code:       api.CodeRejected,
			messageHas: `backend "bad": invalid value`,
			detailHas:  "algorithm",
		},
		{
			// haproxy -c opens the namespace: it must exist first.
			name:       "haproxy -c rejects a missing network namespace",
			backend:    api.Backend{Name: "bad", Servers: []api.Server{{Name: "s", Address: "127.0.0.1", Port: i64(80), Namespace: "switchyard-test-missing"}}},
			code:       api.CodeRejected,
			messageHas: `backend "bad": HAProxy rejected the configuration`,
			detailHas:  "Cannot open namespace 'switchyard-test-missing'",
		},
		{
			name:       "agent refuses config injection",
			backend:    api.Backend{Name: "bad", Servers: []api.Server{{Name: "s", Address: "127.0.0.1\nglobal"}}},
			code:       api.CodeInvalid,
			messageHas: `backend "bad"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			before := f.read(t)
			_, err := f.m.CreateBackend(t.Context(), tt.backend)
			e, ok := api.AsError(err)
			if !ok {
				t.Fatalf("err = %v, want an *api.Error", err)
			}
			t.Logf("message: %s\ndetail: %s", e.Message, e.Detail)
			if e.Code != tt.code {
				t.Errorf("code = %q, want %q", e.Code, tt.code)
			}
			if !strings.Contains(e.Message, tt.messageHas) {
				t.Errorf("message %q lacks %q", e.Message, tt.messageHas)
			}
			if !strings.Contains(e.Detail, tt.detailHas) {
				t.Errorf("detail %q lacks %q", e.Detail, tt.detailHas)
			}
			if after := f.read(t); after != before {
				t.Errorf("file changed:\n%s", cmp.Diff(before, after))
			}
			if n := f.reloader.calls.Load(); n != 0 {
				t.Errorf("reloads = %d, want 0", n)
			}
		})
	}
}

func TestGroupCommitOneReload(t *testing.T) {
	f := newFixture(t)
	stats := &PipelineCounters{}
	f.m.opts.Pipeline = stats
	const n = 10
	var fns []func() error
	for i := range n {
		fns = append(fns, func() error {
			b := api.Backend{Name: fmt.Sprintf("b%d", i), Servers: []api.Server{{Name: "s", Address: "127.0.0.1", Port: i64(int64(9000 + i))}}}
			_, err := f.m.CreateBackend(t.Context(), b)
			return err
		})
	}
	for i, err := range f.batch(t, fns...) {
		if err != nil {
			t.Errorf("create b%d: %v", i, err)
		}
	}
	if got := f.reloader.calls.Load(); got != 1 {
		t.Errorf("reloads = %d, want 1 for one batch of %d", got, n)
	}
	// The session log's sums: one batch of n, with haproxy -c in it.
	s := stats.Stats()
	if s == nil || s.Batches != 1 || s.Changes != n || s.Largest != n || s.CheckMS <= 0 || s.TransactionMS < s.CheckMS {
		t.Errorf("pipeline stats %+v, want 1 batch of %d with haproxy -c's time inside the transaction's", s, n)
	}
	names, _ := f.m.ListBackends()
	if len(names) != n+1 {
		t.Errorf("backends = %v, want %d", names, n+1)
	}
}

func TestGroupCommitFallbackAttribution(t *testing.T) {
	f := newFixture(t)
	good := func(name string) func() error {
		return func() error {
			_, err := f.m.CreateBackend(t.Context(), api.Backend{Name: name, Servers: []api.Server{{Name: "s", Address: "127.0.0.1", Port: i64(80)}}})
			return err
		}
	}
	bad := func() error {
		_, err := f.m.CreateBackend(t.Context(), api.Backend{Name: "bad", Servers: []api.Server{{Name: "s", Address: "999.1.1.1", Port: i64(80)}}})
		return err
	}
	errs := f.batch(t, good("good1"), bad, good("good2"))
	if errs[0] != nil || errs[2] != nil {
		t.Errorf("good changes failed: %v, %v", errs[0], errs[2])
	}
	if code(errs[1]) != api.CodeRejected || !strings.Contains(errs[1].Error(), `backend "bad"`) {
		t.Errorf("bad change: %v, want %s naming backend \"bad\"", errs[1], api.CodeRejected)
	}
	for _, name := range []string{"good1", "good2"} {
		if _, err := f.m.GetBackend(t.Context(), name); err != nil {
			t.Errorf("get %s: %v", name, err)
		}
	}
	if _, err := f.m.GetBackend(t.Context(), "bad"); code(err) != api.CodeNotFound {
		t.Errorf("get bad: %v, want not found", err)
	}
	if got := f.reloader.calls.Load(); got != 1 {
		t.Errorf("reloads = %d, want 1", got)
	}
}

func TestReloadFailureRestoresPreviousFile(t *testing.T) {
	f := newFixture(t)
	f.reloader.failN = 1
	before := f.read(t)
	_, err := f.m.CreateBackend(t.Context(), web())
	e, ok := api.AsError(err)
	if !ok || e.Code != api.CodeReload {
		t.Fatalf("err = %v, want code %s", err, api.CodeReload)
	}
	t.Logf("message: %s\ndetail: %s", e.Message, e.Detail)
	if !strings.Contains(e.Detail, "cannot bind socket (fake)") {
		t.Errorf("detail lacks the reloader's output: %q", e.Detail)
	}
	if after := f.read(t); after != before {
		t.Errorf("previous bytes not restored:\n%s", cmp.Diff(before, after))
	}
	if _, err := f.m.GetBackend(t.Context(), "web"); code(err) != api.CodeNotFound {
		t.Errorf("get after restore: %v, want not found", err)
	}
	if got := f.reloader.calls.Load(); got != 2 {
		t.Errorf("reloads = %d, want 2 (failed one + restore)", got)
	}
}

func TestReadSeesHandEdits(t *testing.T) {
	f := newFixture(t)
	if _, err := f.m.CreateBackend(t.Context(), web()); err != nil {
		t.Fatal(err)
	}
	// Someone edits the file by hand: app1 moves, a server and a backend appear.
	file := f.read(t)
	file = strings.Replace(file, "server app1 127.0.0.1:8080 check", "server app1 10.9.9.9:8080 check\n  server intruder 10.0.0.66:80", 1)
	file += "\nbackend handmade\n  server x 127.0.0.1:1\n"
	if err := os.WriteFile(f.cfgPath, []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := f.m.GetBackend(t.Context(), "web")
	if err != nil {
		t.Fatal(err)
	}
	want := web()
	want.Servers = []api.Server{
		{Name: "app1", Address: "10.9.9.9", Port: i64(8080), Check: true},
		{Name: "intruder", Address: "10.0.0.66", Port: i64(80)},
		want.Servers[1],
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read after hand edit (-want +got):\n%s", diff)
	}
	if _, err := f.m.GetBackend(t.Context(), "handmade"); err != nil {
		t.Errorf("hand-made backend not visible: %v", err)
	}
	// A hand deletion is visible too (drift: the resource is gone).
	if err := os.WriteFile(f.cfgPath, []byte(strings.Replace(file, "backend web", "backend renamed", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.GetBackend(t.Context(), "web"); code(err) != api.CodeNotFound {
		t.Errorf("get after hand deletion: %v, want not found", err)
	}
	// And the next change builds on the edited file rather than on the
	// agent's stale copy.
	if _, err := f.m.CreateBackend(t.Context(), api.Backend{Name: "after"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.read(t), "backend renamed") {
		t.Errorf("a change dropped the hand edit")
	}
}

// BenchmarkRefresh measures what a read costs when the file is unchanged
// (read + hash) and when it changed on disk (re-parse).
func BenchmarkRefresh(b *testing.B) {
	src := testConfig(b)
	m, path, dir := benchManager(b, src)
	b.Run("unchanged", func(b *testing.B) {
		for b.Loop() {
			if _, err := m.GetBackend(b.Context(), "legacy"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("changed", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			_ = os.WriteFile(path, append(src, fmt.Sprintf("# %d\n", i)...), 0o644)
			if _, err := m.GetBackend(b.Context(), "legacy"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("new-client-per-read", func(b *testing.B) {
		for b.Loop() {
			m2, err := New(b.Context(), Options{HAProxy: api.HAProxySettings{ConfigFile: path, Binary: haproxyBin}, TransactionDir: dir + "/tx", Lock: machinelock.New(dir+"/lock", 0), Reloader: &fakeReloader{}})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := m2.GetBackend(b.Context(), "legacy"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestCreateFollowsDefaultsStyle(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(string) string
		wantLine string
	}{
		{"implicit defaults everywhere", func(s string) string { return s }, "\nbackend web\n"},
		{"explicit from everywhere", func(s string) string {
			s = strings.Replace(s, "frontend lab\n", "frontend lab from base\n", 1)
			return strings.Replace(s, "backend legacy\n", "backend legacy from base\n", 1)
		}, "\nbackend web from base\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if err := os.WriteFile(f.cfgPath, []byte(tt.edit(f.read(t))), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := f.m.CreateBackend(t.Context(), web()); err != nil {
				t.Fatal(err)
			}
			if file := f.read(t); !strings.Contains(file, tt.wantLine) {
				t.Errorf("config lacks %q:\n%s", tt.wantLine, file)
			}
		})
	}
}

// BenchmarkBatchOnLargeConfig measures one batch of ten backend creates
// (the transaction: client-native, the style-keeping splice and its check,
// haproxy -c, the file write; the reload is a fake) on a configuration
// that already has 500 backends, the size of issue 15's benchmark.
func BenchmarkBatchOnLargeConfig(b *testing.B) {
	var cfg strings.Builder
	cfg.Write(testConfig(b))
	for i := range 500 {
		fmt.Fprintf(&cfg, "\nbackend big%03d\n  mode http\n  balance roundrobin\n", i)
		for s, port := range []int{8080, 8081, 8082} {
			fmt.Fprintf(&cfg, "  server app%d 127.0.0.1:%d check weight 100\n", s+1, port)
		}
	}
	m, _, _ := benchManager(b, []byte(cfg.String()))
	n := 0
	for b.Loop() {
		var wg sync.WaitGroup
		for range 10 {
			n++
			wg.Add(1)
			go func(n int) {
				defer wg.Done()
				be := api.Backend{Name: fmt.Sprintf("new%05d", n), Servers: []api.Server{{Name: "s", Address: "127.0.0.1", Port: i64(8080)}}}
				if _, err := m.CreateBackend(b.Context(), be); err != nil {
					b.Error(err)
				}
			}(n)
		}
		wg.Wait()
	}
}

// testConfig is testdata/haproxy.cfg.
func testConfig(b *testing.B) []byte {
	b.Helper()
	src, err := os.ReadFile("testdata/haproxy.cfg")
	if err != nil {
		b.Fatal(err)
	}
	return src
}

// benchManager opens cfg, written into a temporary directory, with the
// real haproxy binary and a fake reloader; it returns the file's path and
// the directory too.
func benchManager(b *testing.B, cfg []byte) (m *Manager, path, dir string) {
	b.Helper()
	needHAProxy(b)
	dir = b.TempDir()
	path = dir + "/haproxy.cfg"
	if err := os.WriteFile(path, cfg, 0o644); err != nil {
		b.Fatal(err)
	}
	m, err := New(b.Context(), Options{HAProxy: api.HAProxySettings{ConfigFile: path, Binary: haproxyBin}, TransactionDir: dir + "/tx", Lock: machinelock.New(dir+"/lock", 0), Reloader: &fakeReloader{}})
	if err != nil {
		b.Fatal(err)
	}
	return m, path, dir
}
