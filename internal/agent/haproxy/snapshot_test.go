package haproxy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// wireError is what a caller can tell apart in an agent error (Detail is
// client-native's own wording, which a snapshot does not reproduce).
type wireError struct{ Code, Message string }

func asWire(t *testing.T, err error) *wireError {
	t.Helper()
	if err == nil {
		return nil
	}
	var e *api.Error
	if !errors.As(err, &e) {
		t.Fatalf("not an *api.Error: %v", err)
	}
	return &wireError{e.Code, e.Message}
}

// sameAnswer asserts that the snapshot answers a Get exactly like the
// agent's single Get.
func sameAnswer(t *testing.T, snap api.Snapshot, method, name, key string, want any, wantErr error) {
	t.Helper()
	got, err, ok := snap.Lookup(method, name, key)
	if !ok {
		t.Fatalf("%s %s %s: the snapshot cannot answer", method, name, key)
	}
	if diff := cmp.Diff(asWire(t, wantErr), asWire(t, err)); diff != "" {
		t.Errorf("%s %s %s: error (-get +snapshot):\n%s", method, name, key, diff)
	}
	if wantErr == nil {
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s %s %s: result (-get +snapshot):\n%s", method, name, key, diff)
		}
	}
}

func TestSnapshotMatchesGets(t *testing.T) {
	f := newFixture(t)
	m := f.m
	hash := "$6$saltsalt$Yl4m7e0bdwn0gTHQ4AFF4L0r6MtW5FxtJ7Kl8Q8Hq3hVgP4sR6p0tYm5J0k9hC.Yk2u4ZxH3tQ5O9YpW7c2bE/"
	if _, err := m.CreateUserlist(api.Userlist{Name: "legacyusers", Groups: []string{"gold"}, Users: []api.User{
		{Name: "vip", PasswordHash: hash, Groups: []string{"gold"}},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.CreateFrontend(shop()); err != nil {
		t.Fatal(err)
	}
	rules := []string{"set-header X-A b"}
	if _, err := m.CreateBackend(t.Context(), api.Backend{Name: "web", Balance: "roundrobin", HTTPRequest: &rules, Servers: []api.Server{
		{Name: "a", Address: "127.0.0.1", Port: i64(8080), Check: true},
	}}); err != nil {
		t.Fatal(err)
	}

	snap, err := m.Snapshot(context.Background(), []string{api.KindBackends, api.KindFrontends, api.KindUserlists})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"legacy", "web"}, keys(snap.Backends)); diff != "" {
		t.Errorf("backends (-want +got):\n%s", diff)
	}
	for _, name := range []string{"legacy", "web", "absent"} {
		b, err := m.GetBackend(t.Context(), name)
		sameAnswer(t, snap, api.MethodBackendGet, name, "", b, err)
	}
	for _, name := range []string{"lab", "shop", "absent"} {
		fe, err := m.GetFrontend(name)
		sameAnswer(t, snap, api.MethodFrontendGet, name, "", fe, err)
	}
	for _, name := range []string{"legacyusers", "absent"} {
		u, err := m.GetUserlist(name)
		sameAnswer(t, snap, api.MethodUserlistGet, name, "", u, err)
	}
	// Not asked for, or not a name every kind accepts: left to the agent.
	if _, _, ok := snap.Lookup(api.MethodMapGet, "users", ""); ok {
		t.Error("a snapshot without maps answered a map Get")
	}
	if _, _, ok := snap.Lookup(api.MethodBackendGet, "bad name", ""); ok {
		t.Error("a snapshot answered a Get of a name the agent rejects")
	}
}

func TestSnapshotMapsMatchGets(t *testing.T) {
	ctx := context.Background()
	f := newMapFixture(t)
	// users.map is used by haproxy.cfg (loaded once HAProxy runs), spare.map
	// is not; notes.txt and a directory are not maps.
	if _, err := f.m.CreateMap(ctx, api.MapSpec{Name: "users", Entries: map[string]string{"vip": "deluxe", "john": "standard"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.CreateMap(ctx, api.MapSpec{Name: "spare", Entries: map[string]string{"a": "b"}}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"notes.txt", "dir.map/x"} {
		p = filepath.Join(f.dir, "maps", p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x y\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f.start(t)
	// Runtime drift: the running map differs from the file.
	if err := f.m.runtime().SetEntry(ctx, f.m.MapPath("users"), "amy", "gold"); err != nil {
		t.Fatal(err)
	}

	snap, err := f.m.Snapshot(ctx, []string{api.KindMaps})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"spare", "users"}, keys(snap.Maps)); diff != "" {
		t.Errorf("maps (-want +got):\n%s", diff)
	}
	for _, name := range []string{"users", "spare", "absent"} {
		mp, err := f.m.GetMap(ctx, name)
		sameAnswer(t, snap, api.MethodMapGet, name, "", mp, err)
		for _, key := range []string{"vip", "amy", "a", "nokey"} {
			e, err := f.m.GetMapEntry(ctx, api.MapEntryRef{Map: name, Key: key})
			sameAnswer(t, snap, api.MethodMapEntryGet, name, key, e, err)
		}
	}
	if _, err := f.m.Snapshot(ctx, []string{"servers"}); !errors.Is(err, api.ErrInvalid) {
		t.Errorf("unknown kind: err = %v, want CodeInvalid", err)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
