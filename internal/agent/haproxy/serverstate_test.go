package haproxy

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/machinelock"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/runtime"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// newServerStateFixture is a Manager next to a real HAProxy that runs one
// backend with two servers, and a fake reloader that counts reloads (the
// running HAProxy is never reloaded: whatever it shows came through the
// runtime API).
func newServerStateFixture(t *testing.T) *mapFixture {
	t.Helper()
	return newRuntimeFixture(t, `backend be
    balance roundrobin
    server s1 127.0.0.1:1
    server s2 127.0.0.1:2
`)
}

// newRuntimeFixture is newServerStateFixture's Manager and HAProxy with
// sections of its own after the global and defaults sections.
func newRuntimeFixture(t *testing.T, sections string) *mapFixture {
	t.Helper()
	needHAProxy(t)
	dir := t.TempDir()
	f := &mapFixture{dir: dir, reloader: &fakeReloader{}, socket: filepath.Join(dir, "admin.sock")}
	cfg := fmt.Sprintf(`global
    stats socket %s mode 600 level admin
defaults
    mode http
    timeout connect 5s
    timeout client 5s
    timeout server 5s
`, f.socket) + sections
	cfgPath := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	var err error
	f.m, err = New(t.Context(), Options{
		HAProxy:        api.HAProxySettings{ConfigFile: cfgPath, Binary: haproxyBin, RuntimeSocket: f.socket, MapsDir: filepath.Join(dir, "maps")},
		TransactionDir: filepath.Join(dir, "tx"),
		Lock:           machinelock.New(filepath.Join(dir, "run", "haproxy.lock"), 0),
		Reloader:       f.reloader,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.start(t)
	return f
}

func twoServers(w1, w2 *int64, st1, st2 string) api.Backend {
	return api.Backend{Name: "be", Balance: "roundrobin", Servers: []api.Server{
		{Name: "s1", Address: "127.0.0.1", Port: i64(1), Weight: w1, AdminState: st1},
		{Name: "s2", Address: "127.0.0.1", Port: i64(2), Weight: w2, AdminState: st2},
	}}
}

// TestServerStateLiveOrReload walks a backend through the changes that must
// go live (no reload) and one that must reload, checking each time the
// reload count, the running HAProxy and the file.
func TestServerStateLiveOrReload(t *testing.T) {
	f := newServerStateFixture(t)
	rt := runtime.Client{Socket: f.socket}
	steps := []struct {
		name       string
		want       api.Backend
		reloads    int64
		runtime    map[string]string // server -> "state/weight" in the running HAProxy
		fileHas    []string
		fileHasNot []string
		restart    bool // start HAProxy again on the file first, as a reload would
	}{
		{"weights 100/0", twoServers(i64(100), i64(0), "", ""), 0,
			map[string]string{"s1": "ready/100", "s2": "ready/0"}, []string{"s1 127.0.0.1:1 weight 100", "s2 127.0.0.1:2 weight 0"}, nil, false},
		{"canary 90/10", twoServers(i64(90), i64(10), "", ""), 0,
			map[string]string{"s1": "ready/90", "s2": "ready/10"}, []string{"weight 90", "weight 10"}, nil, false},
		{"drain s2", twoServers(i64(90), i64(10), "", api.AdminDrain), 0,
			map[string]string{"s1": "ready/90", "s2": "drain/10"}, []string{"s2 127.0.0.1:2 weight 0"}, []string{"weight 10"}, false},
		{"maint s1", twoServers(i64(90), i64(10), api.AdminMaint, api.AdminDrain), 0,
			map[string]string{"s1": "maint/90", "s2": "drain/10"}, []string{"disabled"}, nil, false},
		// After a restart s1 is `disabled` from the file (HAProxy keeps a
		// configuration-maint flag even once it is set ready).
		{"all ready", twoServers(i64(90), i64(10), "", ""), 0,
			map[string]string{"s1": "ready/90", "s2": "ready/10"}, []string{"weight 10"}, []string{"disabled"}, true},
		{"port change goes live", func() api.Backend {
			b := twoServers(i64(90), i64(10), "", "")
			b.Servers[1].Port = i64(3)
			return b
		}(), 0, map[string]string{"s1": "ready/90", "s2": "ready/10"}, []string{"s2 127.0.0.1:3 weight 10"}, nil, false},
		{"port removed reloads", func() api.Backend {
			b := twoServers(i64(90), i64(10), "", "")
			b.Servers[1].Port = nil
			return b
		}(), 1, nil, []string{"s2 127.0.0.1 weight 10"}, nil, false},
	}
	for _, step := range steps {
		if step.restart {
			f.start(t)
		}
		before := f.reloader.calls.Load()
		got, err := f.m.UpdateBackend(t.Context(), step.want)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if n := f.reloader.calls.Load() - before; n != step.reloads {
			t.Errorf("%s: %d reloads, want %d", step.name, n, step.reloads)
		}
		if step.runtime != nil {
			if diff := cmp.Diff(step.want.Servers, got.Servers); diff != "" {
				t.Errorf("%s: read back (-want +got):\n%s", step.name, diff)
			}
			if diff := cmp.Diff(step.runtime, liveStates(t, rt)); diff != "" {
				t.Errorf("%s: running HAProxy (-want +got):\n%s", step.name, diff)
			}
		}
		file := f.read(t)
		for _, s := range step.fileHas {
			if !strings.Contains(file, s) {
				t.Errorf("%s: file lacks %q:\n%s", step.name, s, file)
			}
		}
		for _, s := range step.fileHasNot {
			if strings.Contains(file, s) {
				t.Errorf("%s: file has %q:\n%s", step.name, s, file)
			}
		}
	}
}

// TestServerStateDriftRepairedLive: a state typed on the admin socket is
// read as drift, and the update that repairs it writes nothing and does
// not reload.
func TestServerStateDriftRepairedLive(t *testing.T) {
	f := newServerStateFixture(t)
	rt := runtime.Client{Socket: f.socket}
	want := twoServers(i64(5), i64(5), "", "")
	if _, err := f.m.UpdateBackend(t.Context(), want); err != nil {
		t.Fatal(err)
	}
	if err := rt.SetServerState(t.Context(), "be", "s1", "maint"); err != nil {
		t.Fatal(err)
	}
	got, err := f.m.GetBackend(t.Context(), "be")
	if err != nil {
		t.Fatal(err)
	}
	if got.Servers[0].AdminState != api.AdminMaint {
		t.Fatalf("hand maint not read as drift: %+v", got.Servers[0])
	}
	// A refresh wave reads through Snapshot: it must see the same.
	snap, err := f.m.Snapshot(t.Context(), []string{api.KindBackends})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, snap.Backends["be"]); diff != "" {
		t.Errorf("snapshot and get differ (-get +snapshot):\n%s", diff)
	}
	fileBefore := f.read(t)
	before := f.reloader.calls.Load()
	if _, err := f.m.UpdateBackend(t.Context(), want); err != nil {
		t.Fatal(err)
	}
	if n := f.reloader.calls.Load() - before; n != 0 {
		t.Errorf("repair reloaded %d times", n)
	}
	if f.read(t) != fileBefore {
		t.Error("repair rewrote the file")
	}
	if diff := cmp.Diff(map[string]string{"s1": "ready/5", "s2": "ready/5"}, liveStates(t, rt)); diff != "" {
		t.Errorf("running HAProxy (-want +got):\n%s", diff)
	}
}

// TestServerStateBatchWithReload: a live-only change that shares a batch
// with one that needs a reload gets that single reload, and its drain
// (which the file cannot say) is set in the running HAProxy after it.
func TestServerStateBatchWithReload(t *testing.T) {
	f := newServerStateFixture(t)
	rt := runtime.Client{Socket: f.socket}
	before := f.reloader.calls.Load()
	fake := &fixture{m: f.m, lockPath: filepath.Join(f.dir, "run", "haproxy.lock")}
	errs := fake.batch(t,
		func() error {
			_, err := f.m.UpdateBackend(t.Context(), twoServers(i64(7), nil, "", api.AdminDrain))
			return err
		},
		func() error {
			// A new section the running HAProxy gets only by a reload.
			_, err := f.m.CreateFrontend(api.Frontend{Name: "other", Mode: "http", Binds: []api.Bind{{Address: "127.0.0.1", Port: i64(1)}}, DefaultBackend: "be"})
			return err
		})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := f.reloader.calls.Load() - before; n != 1 {
		t.Errorf("%d reloads, want 1", n)
	}
	// The fake reloader leaves the running HAProxy as it was, so this
	// shows what the batch set through the runtime API after its reload:
	// only the drain (weight 7 reaches the new workers through the file).
	if diff := cmp.Diff(map[string]string{"s1": "ready/1", "s2": "drain/1"}, liveStates(t, rt)); diff != "" {
		t.Errorf("running HAProxy (-want +got):\n%s", diff)
	}
}

func liveStates(t *testing.T, rt runtime.Client) map[string]string {
	t.Helper()
	states, err := rt.ShowServersState(t.Context(), "be")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range states {
		out[s.Server] = fmt.Sprintf("%s/%d", s.AdminState(), s.Weight)
	}
	return out
}

func (f *mapFixture) read(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(f.m.Settings().ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestServerStateDownIsNotDrift: a server its health check marks DOWN
// reads back as configured (operational state is not configuration).
func TestServerStateDownIsNotDrift(t *testing.T) {
	f := newServerStateFixture(t)
	rt := runtime.Client{Socket: f.socket}
	want := twoServers(i64(3), nil, "", "")
	want.Servers[0].Check, want.Servers[0].Inter = true, i64(50) // nothing listens on 127.0.0.1:1
	if _, err := f.m.UpdateBackend(t.Context(), want); err != nil {
		t.Fatal(err)
	}
	// The fake reloader did not reload: restart HAProxy on the new file.
	f.start(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := rt.Command(t.Context(), "show servers state be", "")
		if err != nil {
			t.Fatal(err)
		}
		// srv_op_state is the 6th column; 0 is DOWN.
		if down := serverOpState(out, "s1"); down == "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("s1 never went DOWN:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	got, err := f.m.GetBackend(t.Context(), "be")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.Servers, got.Servers); diff != "" {
		t.Errorf("a DOWN server reads as drift (-want +got):\n%s", diff)
	}
}

func serverOpState(out, server string) string {
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 5 && f[0] != "#" && f[3] == server {
			return f[5]
		}
	}
	return ""
}
