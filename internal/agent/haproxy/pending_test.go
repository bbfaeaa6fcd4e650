package haproxy

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/machinelock"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/systemctl"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// reopen starts a new session (a new Manager) on the fixture's files, as
// the next terraform run would after the agent died.
func (f *fixture) reopen(t *testing.T, r Reloader) *Manager {
	t.Helper()
	dir := filepath.Dir(f.cfgPath)
	m, err := New(context.Background(), Options{
		HAProxy:        api.HAProxySettings{ConfigFile: f.cfgPath, Binary: haproxyBin},
		TransactionDir: filepath.Join(dir, "tx"),
		Lock:           machinelock.New(f.lockPath, 0),
		Systemctl:      &systemctl.Fake{},
		Reloader:       r,
	})
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	return m
}

// simulateCrash leaves the machine as an agent killed between commit and
// reload does: the record of the batch, and the new file written.
func simulateCrash(t *testing.T, f *fixture, newFile string) (running string) {
	t.Helper()
	running = f.read(t)
	if err := f.m.markPending([]byte(running)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.cfgPath, []byte(newFile), 0o644); err != nil {
		t.Fatal(err)
	}
	return running
}

func TestPendingBatchIsReloadedByTheNextSession(t *testing.T) {
	f := newFixture(t)
	written := f.read(t) + "\nbackend written_not_reloaded\n  server s1 127.0.0.1:9\n"
	simulateCrash(t, f, written)

	r := &fakeReloader{}
	f.reopen(t, r)
	if n := r.calls.Load(); n != 1 {
		t.Fatalf("the next session reloaded %d times, want 1", n)
	}
	if got := f.read(t); got != written {
		t.Errorf("the written change was lost:\n%s", got)
	}
	rec, _ := f.m.pendingPaths()
	if _, err := os.Stat(rec); !os.IsNotExist(err) {
		t.Errorf("pending record still there after recovery: %v", err)
	}
	// A third session has nothing left to do.
	r2 := &fakeReloader{}
	f.reopen(t, r2)
	if n := r2.calls.Load(); n != 0 {
		t.Errorf("a session after recovery reloaded %d times, want 0", n)
	}
}

func TestPendingBatchThatDoesNotReloadIsRestored(t *testing.T) {
	f := newFixture(t)
	running := simulateCrash(t, f, f.read(t)+"\nbackend refused_at_reload\n  server s1 127.0.0.1:9\n")

	r := &fakeReloader{failN: 1} // the interrupted change does not load; the restored one does
	f.reopen(t, r)
	if n := r.calls.Load(); n != 2 {
		t.Fatalf("reloads = %d, want 2 (the interrupted change, then the restored file)", n)
	}
	if got := f.read(t); got != running {
		t.Errorf("file after recovery is not the configuration from before the change:\n%s", got)
	}
}

func TestCompletedBatchLeavesNoPendingRecord(t *testing.T) {
	f := newFixture(t)
	if _, err := f.m.CreateBackend(t.Context(), api.Backend{Name: "done", Mode: "http", Balance: "roundrobin", Servers: []api.Server{}}); err != nil {
		t.Fatal(err)
	}
	rec, _ := f.m.pendingPaths()
	if _, err := os.Stat(rec); !os.IsNotExist(err) {
		t.Fatalf("pending record left after a completed batch: %v", err)
	}
	if !strings.Contains(f.read(t), "backend done") {
		t.Fatal("backend not written")
	}
}
