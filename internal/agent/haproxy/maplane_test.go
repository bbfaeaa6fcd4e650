package haproxy

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/machinelock"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/runtime"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// gateReloader holds every reload until the test lets it go, so that a
// test can act while the committer is in the middle of one.
type gateReloader struct {
	entered chan struct{}
	release chan struct{}
}

func (g *gateReloader) Reload(context.Context) error {
	g.entered <- struct{}{}
	<-g.release
	return nil
}

// lineLog keeps the Manager's log lines.
type lineLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *lineLog) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *lineLog) find(sub string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.lines {
		if strings.Contains(s, sub) {
			return s
		}
	}
	return ""
}

// waitErr returns what ch gives within d, or fails the test naming what.
func waitErr(t *testing.T, ch <-chan error, d time.Duration, what string) {
	t.Helper()
	select {
	case err := <-ch:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(d):
		t.Fatalf("%s: still waiting after %s", what, d)
	}
}

// An entry write does not wait for this session's reload (issue 15: it
// would hold a Terraform slot through it), and a running map that missed
// it during the reload gets it again before the lock is released.
func TestMapEntryLaneDuringReload(t *testing.T) {
	ctx := context.Background()
	gate := &gateReloader{entered: make(chan struct{}), release: make(chan struct{})}
	log := &lineLog{}
	f := newMapFixtureWith(t, gate, log.logf)
	rt := runtime.Client{Socket: f.socket}
	path := filepath.Join(f.dir, "maps", "users.map")
	if _, err := f.m.CreateMap(ctx, api.MapSpec{Name: "users", Entries: map[string]string{"john": "standard"}}); err != nil {
		t.Fatal(err)
	}
	f.start(t)

	batch := make(chan error, 1)
	go func() { _, err := f.m.CreateBackend(ctx, web()); batch <- err }()
	select {
	case <-gate.entered: // the committer holds the machine lock, reloading
	case err := <-batch:
		t.Fatalf("the backend was created without a reload: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the backend's batch never reloaded")
	}

	set := make(chan error, 1)
	go func() {
		e, err := f.m.SetMapEntry(ctx, api.MapEntrySpec{Map: "users", Key: "vip", Value: "deluxe"})
		if err == nil && (e.File == nil || *e.File != "deluxe" || e.Runtime == nil || *e.Runtime != "deluxe" || !e.Loaded) {
			err = fmt.Errorf("answer %+v, want file and runtime deluxe", e)
		}
		set <- err
	}()
	waitErr(t, set, 5*time.Second, "entry write during the reload")
	del := make(chan error, 1)
	go func() { del <- f.m.DeleteMapEntry(ctx, api.MapEntryRef{Map: "users", Key: "john"}) }()
	waitErr(t, del, 5*time.Second, "entry delete during the reload")

	// The new workers loaded the map file before those writes, and the
	// runtime commands reached the old ones: the running map has neither.
	if err := rt.DeleteEntry(ctx, path, "vip"); err != nil {
		t.Fatal(err)
	}
	if err := rt.SetEntry(ctx, path, "john", "standard"); err != nil {
		t.Fatal(err)
	}
	close(gate.release)
	waitErr(t, batch, 10*time.Second, "the backend's batch")
	// The batch's callers have their answer before the lane closes; the
	// committer releases the lock after it.
	lockPath := filepath.Join(f.dir, "run", "haproxy.lock")
	unlock, err := machinelock.New(lockPath, 10*time.Second).Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	unlock()

	got, _, err := f.m.runtimeMap(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if got["vip"] != "deluxe" {
		t.Errorf("running map after the batch: vip = %q, want deluxe (set again from the file)", got["vip"])
	}
	if v, ok := got["john"]; ok {
		t.Errorf("running map after the batch: john = %q, want no entry (deleted in the file)", v)
	}
	if line := log.find("batch of 1"); !strings.HasSuffix(line, "map entries set again after it: 2") {
		t.Errorf("batch log line = %q, want it to count 2 entries set again", line)
	}

	// Outside a batch the lane is closed: the write takes the machine lock,
	// so it waits for another session that holds it.
	other, err := machinelock.New(lockPath, time.Second).Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	late := make(chan error, 1)
	go func() {
		_, err := f.m.SetMapEntry(ctx, api.MapEntrySpec{Map: "users", Key: "amy", Value: "gold"})
		late <- err
	}()
	select {
	case err := <-late:
		t.Fatalf("entry write went past another session's lock (err %v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	other()
	waitErr(t, late, 5*time.Second, "entry write after the other session")
}

// A batch that does not reload leaves the lane's writes alone: the one
// generation of workers got them.
func TestMapEntryLaneNoReload(t *testing.T) {
	ctx := context.Background()
	f := newMapFixture(t)
	if _, err := f.m.CreateMap(ctx, api.MapSpec{Name: "users", Entries: map[string]string{}}); err != nil {
		t.Fatal(err)
	}
	f.start(t)
	f.m.openLane()
	if _, err := f.m.SetMapEntry(ctx, api.MapEntrySpec{Map: "users", Key: "vip", Value: "deluxe"}); err != nil {
		t.Fatal(err)
	}
	if n := f.m.closeLane(ctx); n != 0 {
		t.Errorf("closeLane set %d entries again with no reload, want 0", n)
	}
	if n := f.m.closeLane(ctx); n != 0 {
		t.Errorf("a second closeLane set %d entries, want 0", n)
	}
}
