package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// fakeAgent answers like the agent from a set of backends and maps, and
// counts the calls per method.
type fakeAgent struct {
	mu       sync.Mutex
	calls    map[string]int
	backends map[string]api.Backend
	maps     map[string]api.Map
	noSnap   bool // an agent without api.MethodSnapshot
}

func newFakeAgent() *fakeAgent {
	return &fakeAgent{
		calls:    map[string]int{},
		backends: map[string]api.Backend{"web": {Name: "web", Balance: "roundrobin", Servers: []api.Server{{Name: "a", Address: "127.0.0.1"}}}},
		maps:     map[string]api.Map{"users": {Name: "users", Path: "/m/users.map", File: map[string]string{"vip": "deluxe"}, Loaded: true, Runtime: map[string]string{"vip": "standard"}}},
	}
}

func (f *fakeAgent) Call(_ context.Context, method string, params, result any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[method]++
	var ref objectRef
	b, _ := json.Marshal(params)
	_ = json.Unmarshal(b, &ref)
	var out any
	switch method {
	case api.MethodSnapshot:
		if f.noSnap {
			return api.Errorf(api.CodeUnknown, "unknown method %q", method)
		}
		out = api.Snapshot{Kinds: []string{api.KindBackends, api.KindMaps}, Backends: f.backends, Maps: f.maps, MapsDir: "/m"}
	case api.MethodBackendGet:
		b, ok := f.backends[ref.Name]
		if !ok {
			return api.Errorf(api.CodeNotFound, "backend %q does not exist", ref.Name)
		}
		out = b
	case api.MethodMapEntryGet:
		m, ok := f.maps[ref.Map]
		if !ok {
			return api.MapNotFound(ref.Map, "/m/"+ref.Map+".map")
		}
		e, err := api.MapEntryOf(m, ref.Key)
		if err != nil {
			return err
		}
		out = e
	case api.MethodBackendDelete:
		delete(f.backends, ref.Name)
		return nil
	case api.MethodNamespaceGet:
		return nil
	default:
		return errors.New("fakeAgent: unexpected " + method)
	}
	b, _ = json.Marshal(out)
	return json.Unmarshal(b, result)
}

func (f *fakeAgent) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

func TestReadCacheOneSnapshotPerWave(t *testing.T) {
	ctx := context.Background()
	agent := newFakeAgent()
	c := newReadCache(agent)
	var wg sync.WaitGroup
	got := make([]api.Backend, 50)
	errs := make([]error, 50)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.Call(ctx, api.MethodBackendGet, api.BackendRef{Name: "web"}, &got[i])
		}()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil {
			t.Fatalf("Get %d: %v", i, errs[i])
		}
		if diff := cmp.Diff(agent.backends["web"], got[i]); diff != "" {
			t.Fatalf("Get %d (-agent +cache):\n%s", i, diff)
		}
	}
	var e api.MapEntry
	if err := c.Call(ctx, api.MethodMapEntryGet, api.MapEntryRef{Map: "users", Key: "vip"}, &e); err != nil {
		t.Fatal(err)
	}
	deluxe, standard := "deluxe", "standard"
	if diff := cmp.Diff(api.MapEntry{Map: "users", Key: "vip", Path: "/m/users.map", File: &deluxe, Loaded: true, Runtime: &standard}, e); diff != "" {
		t.Errorf("map entry (-want +got):\n%s", diff)
	}
	// Reads the snapshot does not cover pass through and keep the cache.
	if err := c.Call(ctx, api.MethodNamespaceGet, api.NamespaceRef{Name: "n"}, nil); err != nil {
		t.Fatal(err)
	}
	_ = c.Call(ctx, api.MethodBackendGet, api.BackendRef{Name: "web"}, nil)

	want := map[string]int{api.MethodSnapshot: 2, api.MethodNamespaceGet: 1} // one per kind
	if diff := cmp.Diff(want, agent.calls); diff != "" {
		t.Errorf("agent calls (-want +got):\n%s", diff)
	}
}

// TestReadCacheAnswersLikeTheAgent compares cache answers with the fake
// agent's own single Gets, errors included.
func TestReadCacheAnswersLikeTheAgent(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		method string
		ref    any
	}{
		{api.MethodBackendGet, api.BackendRef{Name: "web"}},
		{api.MethodBackendGet, api.BackendRef{Name: "gone"}},
		{api.MethodMapEntryGet, api.MapEntryRef{Map: "users", Key: "vip"}},
		{api.MethodMapEntryGet, api.MapEntryRef{Map: "users", Key: "nobody"}},
		{api.MethodMapEntryGet, api.MapEntryRef{Map: "nomap", Key: "vip"}},
	}
	for _, tt := range tests {
		agent := newFakeAgent()
		var want, got json.RawMessage
		wantErr := agent.Call(ctx, tt.method, tt.ref, &want)
		err := newReadCache(agent).Call(ctx, tt.method, tt.ref, &got)
		if diff := cmp.Diff(fmt.Sprint(wantErr), fmt.Sprint(err)); diff != "" {
			t.Errorf("%s %v: error (-agent +cache):\n%s", tt.method, tt.ref, diff)
		}
		if !errors.Is(err, api.ErrNotFound) && err != nil {
			t.Errorf("%s %v: %v, want CodeNotFound or nothing", tt.method, tt.ref, err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s %v: result (-agent +cache):\n%s", tt.method, tt.ref, diff)
		}
		if n := agent.count(tt.method); n != 1 {
			t.Errorf("%s %v: the agent saw %d single Gets, want 1 (the reference call only)", tt.method, tt.ref, n)
		}
	}
}

func TestReadCacheDroppedByWrites(t *testing.T) {
	ctx := context.Background()
	agent := newFakeAgent()
	c := newReadCache(agent)
	if err := c.Call(ctx, api.MethodBackendGet, api.BackendRef{Name: "web"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Call(ctx, api.MethodBackendDelete, api.BackendRef{Name: "web"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Call(ctx, api.MethodBackendGet, api.BackendRef{Name: "web"}, nil); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("Get after delete: %v, want CodeNotFound", err)
	}
	if n := agent.count(api.MethodSnapshot); n != 2 {
		t.Errorf("%d snapshots, want 2 (one before and one after the write)", n)
	}
}

func TestReadCacheFallsBackToGets(t *testing.T) {
	ctx := context.Background()
	agent := newFakeAgent()
	agent.noSnap = true
	c := newReadCache(agent)
	for range 3 {
		var b api.Backend
		if err := c.Call(ctx, api.MethodBackendGet, api.BackendRef{Name: "web"}, &b); err != nil || b.Name != "web" {
			t.Fatalf("Get: %+v, %v", b, err)
		}
	}
	// A name the snapshot cannot judge goes to the agent even with one.
	agent.noSnap = false
	c = newReadCache(agent)
	_ = c.Call(ctx, api.MethodBackendGet, api.BackendRef{Name: "a:b"}, nil)
	want := map[string]int{api.MethodSnapshot: 2, api.MethodBackendGet: 4}
	if diff := cmp.Diff(want, agent.calls); diff != "" {
		t.Errorf("agent calls (-want +got):\n%s", diff)
	}
}
