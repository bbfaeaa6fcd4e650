package haproxy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/machinelock"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/runtime"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// mapFixture is a Manager next to a real HAProxy (started once the map
// file exists, as a reload would) whose configuration uses maps/users.map.
type mapFixture struct {
	m        *Manager
	dir      string
	reloader *fakeReloader
	socket   string
}

func newMapFixture(t *testing.T) *mapFixture {
	t.Helper()
	r := &fakeReloader{}
	f := newMapFixtureWith(t, r, nil)
	f.reloader = r
	return f
}

// newMapFixtureWith is newMapFixture with another Reloader and a log.
func newMapFixtureWith(t *testing.T, reloader Reloader, logf func(string, ...any)) *mapFixture {
	t.Helper()
	needHAProxy(t)
	dir := t.TempDir()
	f := &mapFixture{dir: dir, socket: filepath.Join(dir, "admin.sock")}
	cfg := fmt.Sprintf(`global
    stats socket %s mode 600 level admin
defaults
    mode http
    timeout connect 5s
    timeout client 5s
    timeout server 5s
frontend f
    http-request set-var(txn.user) req.hdr(x-user),map(%s,none)
`, f.socket, filepath.Join(dir, "maps", "users.map"))
	cfgPath := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	var err error
	f.m, err = New(context.Background(), Options{
		HAProxy:        api.HAProxySettings{ConfigFile: cfgPath, Binary: haproxyBin, RuntimeSocket: f.socket, MapsDir: filepath.Join(dir, "maps")},
		TransactionDir: filepath.Join(dir, "tx"),
		Lock:           machinelock.New(filepath.Join(dir, "run", "haproxy.lock"), 0),
		Reloader:       reloader,
		Logf:           logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// start runs HAProxy in the foreground until the test ends.
func (f *mapFixture) start(t *testing.T) {
	t.Helper()
	runHAProxy(t, f.m.Settings().ConfigFile, f.socket)
}

func TestMapLifecycle(t *testing.T) {
	ctx := context.Background()
	f := newMapFixture(t)
	rt := runtime.Client{Socket: f.socket}
	path := filepath.Join(f.dir, "maps", "users.map")

	// Before HAProxy loads it, only the file is written.
	got, err := f.m.CreateMap(ctx, api.MapSpec{Name: "users", Entries: map[string]string{"vip": "deluxe", "john": "standard"}})
	if err != nil {
		t.Fatal(err)
	}
	want := api.Map{Name: "users", Path: path, File: map[string]string{"vip": "deluxe", "john": "standard"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("create (-want +got):\n%s", diff)
	}
	if _, err := f.m.CreateMap(ctx, api.MapSpec{Name: "users"}); !errors.Is(err, api.ErrExists) {
		t.Fatalf("second create: err = %v, want CodeExists", err)
	}

	f.start(t)
	got, err = f.m.UpdateMap(ctx, api.MapSpec{Name: "users", Entries: map[string]string{"vip": "deluxe", "john": "deluxe", "amy": "a b"}})
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string]string{"vip": "deluxe", "john": "deluxe", "amy": "a b"}
	want = api.Map{Name: "users", Path: path, File: entries, Loaded: true, Runtime: entries}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("update (-want +got):\n%s", diff)
	}

	// A change by hand at runtime is reported apart from the file.
	if err := rt.SetEntry(ctx, path, "john", "standard"); err != nil {
		t.Fatal(err)
	}
	got, err = f.m.GetMap(ctx, "users")
	if err != nil {
		t.Fatal(err)
	}
	if got.Runtime["john"] != "standard" || got.File["john"] != "deluxe" {
		t.Fatalf("runtime drift not seen: %+v", got)
	}

	// One entry: set, then deleted; other lines stay.
	e, err := f.m.SetMapEntry(ctx, api.MapEntrySpec{Map: "users", Key: "eve", Value: "gold;x"})
	if err != nil {
		t.Fatal(err)
	}
	gold := "gold;x"
	if diff := cmp.Diff(api.MapEntry{Map: "users", Key: "eve", Path: path, File: &gold, Loaded: true, Runtime: &gold}, e); diff != "" {
		t.Fatalf("set entry (-want +got):\n%s", diff)
	}
	if _, err := f.m.SetMapEntry(ctx, api.MapEntrySpec{Map: "users", Key: "eve", Value: "x", Create: true}); !errors.Is(err, api.ErrExists) {
		t.Fatalf("create of an existing key: err = %v, want CodeExists", err)
	}
	if err := f.m.DeleteMapEntry(ctx, api.MapEntryRef{Map: "users", Key: "eve"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.GetMapEntry(ctx, api.MapEntryRef{Map: "users", Key: "eve"}); !errors.Is(err, api.ErrNotFound) {
		t.Fatalf("deleted entry: err = %v, want CodeNotFound", err)
	}

	// haproxy.cfg names the file, so it stays.
	if err := f.m.DeleteMap(ctx, "users"); !errors.Is(err, api.ErrRejected) {
		t.Fatalf("delete of a used map: err = %v, want CodeRejected", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("file of a used map: %v", err)
	}
	if n := f.reloader.calls.Load(); n != 0 {
		t.Errorf("map changes reloaded HAProxy %d times, want 0", n)
	}
}

func TestDeleteUnusedMap(t *testing.T) {
	ctx := context.Background()
	f := newMapFixture(t)
	if _, err := f.m.CreateMap(ctx, api.MapSpec{Name: "spare", Entries: map[string]string{"a": "b"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.m.DeleteMap(ctx, "spare"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.GetMap(ctx, "spare"); !errors.Is(err, api.ErrNotFound) {
		t.Fatalf("after delete: err = %v, want CodeNotFound", err)
	}
	if err := f.m.DeleteMap(ctx, "spare"); !errors.Is(err, api.ErrNotFound) {
		t.Fatalf("second delete: err = %v, want CodeNotFound", err)
	}
	if _, err := f.m.GetMap(ctx, "../x"); !errors.Is(err, api.ErrInvalid) {
		t.Fatalf("bad name: err = %v, want CodeInvalid", err)
	}
}
