package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/sshconn"
)

// readCache stands between the resources and their machine so that a
// refresh wave reads the machine once per kind, not once per resource:
// Terraform refreshes every resource with its own Read, each one a Get,
// and 500 map entries would otherwise cost 500 reads of the map file and
// 500 `show map`s. The first Get of a kind fetches the snapshot of that
// kind (api.MethodSnapshot; concurrent Gets wait for that one fetch) and
// every Get of the kind is then answered from it, absent objects included
// (api.Snapshot.Lookup gives the agent's own answers).
//
// Any call that is not a read may change the machine, so it drops the
// whole cache, before and after it runs. The cache lives as long as the
// provider configuration (one Terraform command's walk): a hand change made
// between two commands is always seen by the next one.
//
// Data sources and reads of namespaces and services go straight through.
type readCache struct {
	next caller
	// stats, when next is an *sshconn.Machine, feeds the one debug line
	// that shows the connection is shared.
	stats   func() sshconn.Stats
	logOnce sync.Once

	mu      sync.Mutex
	fetches map[string]*snapshotFetch // by kind; replaced whole on drop
}

// snapshotFetch is one kind's snapshot, fetched once and shared.
type snapshotFetch struct {
	done chan struct{} // closed once snap or err is set
	snap *api.Snapshot
	err  error
}

var _ caller = (*readCache)(nil)

func newReadCache(next caller) *readCache {
	c := &readCache{next: next, fetches: map[string]*snapshotFetch{}}
	if m, ok := next.(*sshconn.Machine); ok {
		c.stats = m.Stats
	}
	return c
}

// Call implements caller.
func (c *readCache) Call(ctx context.Context, method string, params, result any) error {
	if kind, ok := api.SnapshotKindOf(method); ok {
		if done, err := c.fromSnapshot(ctx, kind, method, params, result); done {
			return err
		}
		return c.call(ctx, method, params, result)
	}
	if isRead(method) {
		return c.call(ctx, method, params, result)
	}
	c.drop()
	defer c.drop()
	return c.call(ctx, method, params, result)
}

// isRead reports methods that never change the machine (api's method
// table says which).
func isRead(method string) bool { return api.IsRead(method) }

func (c *readCache) call(ctx context.Context, method string, params, result any) error {
	err := c.next.Call(ctx, method, params, result)
	if c.stats != nil && err == nil {
		c.logOnce.Do(func() {
			s := c.stats()
			tflog.Debug(ctx, "Switchyard machine connected", map[string]any{
				"dials": s.Dials, "uploads": s.Uploads, "sessions": s.Sessions,
			})
		})
	}
	return err
}

// drop forgets every snapshot. A fetch still under way completes into the
// forgotten entry, which no later Get sees.
func (c *readCache) drop() {
	c.mu.Lock()
	c.fetches = map[string]*snapshotFetch{}
	c.mu.Unlock()
}

// fromSnapshot answers a Get from kind's snapshot. done is false when it
// cannot (the params or the snapshot's object do not encode, the snapshot
// call failed, or Lookup cannot judge the object); then the caller asks the
// agent itself, and err only says why.
func (c *readCache) fromSnapshot(ctx context.Context, kind, method string, params, result any) (done bool, err error) {
	ref, err := refOf(params)
	if err != nil {
		return false, err
	}
	snap := c.snapshot(ctx, kind)
	if snap == nil {
		return false, nil
	}
	obj, err, ok := snap.Lookup(method, ref.name(), ref.Key)
	if !ok {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	// Through JSON, exactly as the answer of a Get is decoded.
	b, err := json.Marshal(obj)
	if err != nil {
		return false, err
	}
	if result != nil {
		if err := json.Unmarshal(b, result); err != nil {
			return true, fmt.Errorf("decoding %s result: %w", method, err)
		}
	}
	return true, nil
}

// snapshot returns kind's snapshot, fetching it if no one has yet; nil
// when the fetch failed (an agent without the method, a lost connection:
// the single Get then reports what is wrong).
func (c *readCache) snapshot(ctx context.Context, kind string) *api.Snapshot {
	c.mu.Lock()
	f, ok := c.fetches[kind]
	if !ok {
		f = &snapshotFetch{done: make(chan struct{})}
		c.fetches[kind] = f
	}
	c.mu.Unlock()
	if ok {
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil
		}
	} else {
		start := time.Now()
		var s api.Snapshot
		f.err = c.call(ctx, api.MethodSnapshot, api.SnapshotRequest{Kinds: []string{kind}}, &s)
		if f.err == nil {
			f.snap = &s
		}
		tflog.Debug(ctx, "Switchyard snapshot", map[string]any{
			"kind": kind, "duration": time.Since(start).String(), "error": fmt.Sprint(f.err),
			"objects": len(s.Backends) + len(s.Frontends) + len(s.Userlists) + len(s.Maps),
		})
		close(f.done)
	}
	return f.snap
}

// objectRef is what the single Gets' params name: a backend, frontend,
// userlist or map by Name, or a map entry by Map and Key.
type objectRef struct {
	Name string `json:"name"`
	Map  string `json:"map"`
	Key  string `json:"key"`
}

func (r objectRef) name() string {
	if r.Map != "" {
		return r.Map
	}
	return r.Name
}

// refOf reads a Get's params as they go on the wire.
func refOf(params any) (objectRef, error) {
	var r objectRef
	b, err := json.Marshal(params)
	if err != nil {
		return r, err
	}
	return r, json.Unmarshal(b, &r)
}
