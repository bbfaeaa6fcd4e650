package haproxy

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/haproxytech/client-native/v5/configuration"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/runtime"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// runningServers is the running backend be: server -> "addr:port state/weight".
func runningServers(t *testing.T, rt runtime.Client) map[string]string {
	t.Helper()
	states, err := rt.ShowServersState(t.Context(), "be")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range states {
		out[s.Server] = fmt.Sprintf("%s:%d %s/%d", s.Address, s.Port, s.AdminState(), s.Weight)
	}
	return out
}

func srv(name, addr string, port int64) api.Server {
	return api.Server{Name: name, Address: addr, Port: &port}
}

// TestServerListLiveOrReload walks a roundrobin backend through address,
// port and server-list changes: those HAProxy 2.6 takes at runtime change
// the running HAProxy and the file with no reload; the others reload.
func TestServerListLiveOrReload(t *testing.T) {
	f := newServerStateFixture(t)
	rt := runtime.Client{Socket: f.socket}
	be := func(servers ...api.Server) api.Backend {
		return api.Backend{Name: "be", Balance: "roundrobin", Servers: servers}
	}
	s3 := srv("s3", "127.0.0.1", 3)
	s3.Check, s3.Inter, s3.Weight = true, i64(100), i64(7)
	s4 := srv("s4", "127.0.0.1", 4)
	s4.AdminState = api.AdminDrain
	steps := []struct {
		name    string
		want    api.Backend
		reloads int64
		running map[string]string // nil: after a reload, not looked at
		file    []string          // the server lines, in order
	}{
		{"address and port", be(srv("s1", "127.0.0.2", 5), srv("s2", "127.0.0.1", 2)), 0,
			map[string]string{"s1": "127.0.0.2:5 ready/1", "s2": "127.0.0.1:2 ready/1"},
			[]string{"server s1 127.0.0.2:5", "server s2 127.0.0.1:2"}},
		{"add a server with check, inter and weight", be(srv("s1", "127.0.0.2", 5), srv("s2", "127.0.0.1", 2), s3), 0,
			map[string]string{"s1": "127.0.0.2:5 ready/1", "s2": "127.0.0.1:2 ready/1", "s3": "127.0.0.1:3 ready/7"},
			[]string{"server s1 127.0.0.2:5", "server s2 127.0.0.1:2", "server s3 127.0.0.1:3 check inter 100 weight 7"}},
		{"add one in front, drained, remove one", be(s4, srv("s1", "127.0.0.2", 5), s3), 0,
			map[string]string{"s1": "127.0.0.2:5 ready/1", "s3": "127.0.0.1:3 ready/7", "s4": "127.0.0.1:4 drain/1"},
			[]string{"server s4 127.0.0.1:4 weight 0", "server s1 127.0.0.2:5", "server s3 127.0.0.1:3 check inter 100 weight 7"}},
		{"reorder reloads", be(srv("s1", "127.0.0.2", 5), s4, s3), 1, nil,
			[]string{"server s1 127.0.0.2:5", "server s4 127.0.0.1:4 weight 0", "server s3"}},
	}
	for _, step := range steps {
		before := f.reloader.calls.Load()
		_, err := f.m.UpdateBackend(t.Context(), step.want)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if n := f.reloader.calls.Load() - before; n != step.reloads {
			t.Errorf("%s: %d reloads, want %d", step.name, n, step.reloads)
		}
		if step.running != nil {
			if diff := cmp.Diff(step.running, runningServers(t, rt)); diff != "" {
				t.Errorf("%s: running HAProxy (-want +got):\n%s", step.name, diff)
			}
		}
		if diff := cmp.Diff(step.file, serverLines(f.read(t), step.file)); diff != "" {
			t.Errorf("%s: server lines of the file (-want +got):\n%s", step.name, diff)
		}
	}
}

// serverLines returns the file's server lines, each cut to the length of
// the corresponding want line (so a want can name only the start).
func serverLines(file string, want []string) []string {
	var out []string
	for _, line := range strings.Split(file, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "server ") {
			continue
		}
		if i := len(out); i < len(want) && len(line) > len(want[i]) && strings.HasPrefix(line, want[i]) {
			line = want[i]
		}
		out = append(out, line)
	}
	return out
}

// TestServerListDecision: what the agent decides without running anything
// (the batch's masked transaction): live, or a reload.
func TestServerListDecision(t *testing.T) {
	for name, tc := range map[string]struct {
		sections string
		want     api.Backend
		live     bool
	}{
		"static-rr add": {"backend be\n    balance static-rr\n    server s1 127.0.0.1:1\n",
			api.Backend{Name: "be", Balance: "static-rr", Servers: []api.Server{srv("s1", "127.0.0.1", 1), srv("s2", "127.0.0.1", 2)}}, false},
		"static-rr remove": {"backend be\n    balance static-rr\n    server s1 127.0.0.1:1\n    server s2 127.0.0.1:2\n",
			api.Backend{Name: "be", Balance: "static-rr", Servers: []api.Server{srv("s1", "127.0.0.1", 1)}}, false},
		"static-rr port": {"backend be\n    balance static-rr\n    server s1 127.0.0.1:1\n",
			api.Backend{Name: "be", Balance: "static-rr", Servers: []api.Server{srv("s1", "127.0.0.1", 9)}}, true},
		"leastconn add": {"backend be\n    balance leastconn\n    server s1 127.0.0.1:1\n",
			api.Backend{Name: "be", Balance: "leastconn", Servers: []api.Server{srv("s1", "127.0.0.1", 1), srv("s2", "127.0.0.1", 2)}}, true},
		"default-server: add reloads": {"backend be\n    default-server maxconn 100\n    server s1 127.0.0.1:1\n",
			api.Backend{Name: "be", Servers: []api.Server{srv("s1", "127.0.0.1", 1), srv("s2", "127.0.0.1", 2)}}, false},
		"default-server: remove is live": {"backend be\n    default-server maxconn 100\n    server s1 127.0.0.1:1\n    server s2 127.0.0.1:2\n",
			api.Backend{Name: "be", Servers: []api.Server{srv("s2", "127.0.0.1", 2)}}, true},
		"default-server: unchanged": {"backend be\n    default-server maxconn 100\n    server s1 127.0.0.1:1\n",
			api.Backend{Name: "be", Servers: []api.Server{srv("s1", "127.0.0.1", 1)}}, true},
		"namespaced add": {"backend be\n    server s1 127.0.0.1:1\n",
			api.Backend{Name: "be", Servers: []api.Server{srv("s1", "127.0.0.1", 1), {Name: "s2", Address: "127.0.0.1", Port: i64(2), Namespace: "ns2"}}}, false},
		"add by host name": {"backend be\n    server s1 127.0.0.1:1\n",
			api.Backend{Name: "be", Servers: []api.Server{srv("s1", "127.0.0.1", 1), srv("s2", "localhost", 2)}}, false},
		"host name": {"backend be\n    server s1 127.0.0.1:1\n",
			api.Backend{Name: "be", Servers: []api.Server{srv("s1", "localhost", 1)}}, false},
		"port removed": {"backend be\n    server s1 127.0.0.1:1\n",
			api.Backend{Name: "be", Servers: []api.Server{{Name: "s1", Address: "127.0.0.1"}}}, false},
		"check added": {"backend be\n    server s1 127.0.0.1:1\n",
			api.Backend{Name: "be", Servers: []api.Server{{Name: "s1", Address: "127.0.0.1", Port: i64(1), Check: true}}}, false},
	} {
		t.Run(name, func(t *testing.T) {
			f := newRuntimeFixture(t, tc.sections)
			update := func(cl configuration.Configuration, tx string) error {
				return updateBackend(cl, tx, tc.want, nil, true)
			}
			got := f.m.liveOnly([]*change{{masked: update}})
			if got != tc.live {
				t.Errorf("live = %v, want %v", got, tc.live)
			}
		})
	}
}

// slowApp answers "<name>" after ?ms= milliseconds.
func slowApp(t *testing.T, name string) *httptest.Server {
	t.Helper()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ms, err := strconv.Atoi(r.URL.Query().Get("ms")); err == nil {
			select {
			case <-time.After(time.Duration(ms) * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
		_, _ = io.WriteString(w, name)
	}))
	t.Cleanup(app.Close)
	return app
}

func hostPort(t *testing.T, url string) (string, int64) {
	t.Helper()
	host, port, err := net.SplitHostPort(strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.ParseInt(port, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return host, p
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

// drainFixture is a frontend on a free port before backend be, whose ready
// server old answers "old" and whose server new (in maint) answers "new".
func drainFixture(t *testing.T) (*mapFixture, string, api.Backend) {
	t.Helper()
	oldHost, oldPort := hostPort(t, slowApp(t, "old").URL)
	newHost, newPort := hostPort(t, slowApp(t, "new").URL)
	port := freePort(t)
	f := newRuntimeFixture(t, fmt.Sprintf(`frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    balance roundrobin
    server old %s:%d
    server new %s:%d disabled
`, port, oldHost, oldPort, newHost, newPort))
	want := api.Backend{Name: "be", Balance: "roundrobin", Servers: []api.Server{srv("new", newHost, newPort)}}
	return f, fmt.Sprintf("http://127.0.0.1:%d", port), want
}

func get(url string) (string, error) {
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %s", resp.Status, body)
	}
	return string(body), nil
}

type answer struct {
	body string
	err  error
}

// TestServerRemovalDrains: a request in flight on a server that an update
// removes completes, the update waits for it (and no longer), no reload,
// and afterwards only the remaining server answers.
func TestServerRemovalDrains(t *testing.T) {
	f, url, want := drainFixture(t)
	want.DrainTimeout = i64(10_000)
	long := make(chan answer, 1)
	go func() {
		body, err := get(url + "/sleep?ms=1500")
		long <- answer{body, err}
	}()
	time.Sleep(300 * time.Millisecond) // the request reaches old
	start := time.Now()
	if _, err := f.m.UpdateBackend(t.Context(), want); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	got := <-long
	if got.err != nil || got.body != "old" {
		t.Fatalf("long request: %q, %v; want old's answer", got.body, got.err)
	}
	// The long request had about 1.2s to go: the update waits for it, and
	// not for the whole 10s drain timeout.
	if took < 900*time.Millisecond || took > 5*time.Second {
		t.Errorf("update took %s, want the rest of the long request (about 1.2s)", took)
	}
	if n := f.reloader.calls.Load(); n != 0 {
		t.Errorf("%d reloads, want 0", n)
	}
	if diff := cmp.Diff([]string{"new"}, serverNames(t, runtime.Client{Socket: f.socket})); diff != "" {
		t.Errorf("running servers (-want +got):\n%s", diff)
	}
	for i := range 10 {
		if body, err := get(url + "/after"); err != nil || body != "new" {
			t.Fatalf("request %d after the removal: %q, %v", i, body, err)
		}
	}
}

// TestServerRemovalDrainTimeout: a session longer than drain_timeout is
// cut once the timeout has passed, and the server is removed.
func TestServerRemovalDrainTimeout(t *testing.T) {
	f, url, want := drainFixture(t)
	want.DrainTimeout = i64(300)
	long := make(chan answer, 1)
	go func() {
		body, err := get(url + "/sleep?ms=5000")
		long <- answer{body, err}
	}()
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	if _, err := f.m.UpdateBackend(t.Context(), want); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 300*time.Millisecond || took > 3*time.Second {
		t.Errorf("update took %s, want about the 300ms drain timeout", took)
	}
	if got := <-long; got.err == nil && got.body == "old" {
		t.Errorf("the long request was answered (%q); it should have been cut", got.body)
	}
	if diff := cmp.Diff([]string{"new"}, serverNames(t, runtime.Client{Socket: f.socket})); diff != "" {
		t.Errorf("running servers (-want +got):\n%s", diff)
	}
}

func serverNames(t *testing.T, rt runtime.Client) []string {
	t.Helper()
	states, err := rt.ShowServersState(t.Context(), "be")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range states {
		out = append(out, s.Server)
	}
	return out
}

// TestRuntimeOnlyServer: a server the running HAProxy has and the file
// has not (an agent killed mid-drain leaves one) does not break reads, and
// the next live update of the backend removes it, without a reload.
func TestRuntimeOnlyServer(t *testing.T) {
	f := newServerStateFixture(t)
	rt := runtime.Client{Socket: f.socket}
	if err := rt.AddServer(t.Context(), "be", "ghost", "127.0.0.1:9", nil); err != nil {
		t.Fatal(err)
	}
	got, err := f.m.GetBackend(t.Context(), "be")
	if err != nil {
		t.Fatal(err)
	}
	want := twoServers(nil, nil, "", "")
	if diff := cmp.Diff(want.Servers, got.Servers); diff != "" {
		t.Errorf("read (-want +got):\n%s", diff)
	}
	if _, err := f.m.UpdateBackend(t.Context(), want); err != nil {
		t.Fatal(err)
	}
	if n := f.reloader.calls.Load(); n != 0 {
		t.Errorf("%d reloads, want 0", n)
	}
	if diff := cmp.Diff([]string{"s1", "s2"}, serverNames(t, rt)); diff != "" {
		t.Errorf("running servers (-want +got):\n%s", diff)
	}
}

// The servers that will take traffic are set first, so a swap never leaves
// the backend without one.
func TestServingFirst(t *testing.T) {
	in := []api.Server{
		{Name: "drained", AdminState: api.AdminDrain},
		{Name: "zero", Weight: i64(0)},
		{Name: "ready"},
		{Name: "maint", AdminState: api.AdminMaint},
		{Name: "heavy", AdminState: api.AdminReady, Weight: i64(100)},
	}
	var got []string
	for _, s := range servingFirst(in) {
		got = append(got, s.Name)
	}
	if diff := cmp.Diff([]string{"ready", "heavy", "drained", "zero", "maint"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
