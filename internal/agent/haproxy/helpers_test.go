package haproxy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/machinelock"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/runtime"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/systemctl"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

const haproxyBin = "/usr/sbin/haproxy"

// fakeReloader counts reloads; the first failN of them fail.
type fakeReloader struct {
	calls atomic.Int64
	failN int64
}

func (f *fakeReloader) Reload(context.Context) error {
	if n := f.calls.Add(1); n <= f.failN {
		return &ReloadError{Msg: "fake reload failure", Detail: "cannot bind socket (fake)"}
	}
	return nil
}

type fixture struct {
	m         *Manager
	cfgPath   string
	lockPath  string
	reloader  *fakeReloader
	systemctl *systemctl.Fake
}

// newFixture copies testdata/haproxy.cfg into a temp dir and opens it with
// the real haproxy binary (for `-v` and `-c`) and a fake reloader.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	needHAProxy(t)
	dir := t.TempDir()
	src, err := os.ReadFile("testdata/haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfg, src, 0o644); err != nil {
		t.Fatal(err)
	}
	f := &fixture{cfgPath: cfg, lockPath: filepath.Join(dir, "run", "haproxy.lock"), reloader: &fakeReloader{}, systemctl: &systemctl.Fake{}}
	f.m, err = New(context.Background(), Options{
		HAProxy:        api.HAProxySettings{ConfigFile: cfg, Binary: haproxyBin},
		TransactionDir: filepath.Join(dir, "tx"),
		Lock:           machinelock.New(f.lockPath, 0),
		Systemctl:      f.systemctl,
		Reloader:       f.reloader,
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) read(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(f.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// batch runs fns concurrently as ONE batch: it holds the machine lock (as
// another session would) until all of them are queued, then lets go.
func (f *fixture) batch(t *testing.T, fns ...func() error) []error {
	t.Helper()
	// Another Lock on the same file: another session.
	unlock, err := machinelock.New(f.lockPath, time.Second).Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = fn() }()
	}
	deadline := time.Now().Add(5 * time.Second)
	for f.m.queued() < len(fns) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d changes queued", f.m.queued(), len(fns))
		}
		time.Sleep(time.Millisecond)
	}
	unlock()
	wg.Wait()
	return errs
}

// needHAProxy fails the test without the haproxy binary: the pipeline's
// tests run the real `haproxy -c`, and skipping them would hide a broken
// pipeline.
func needHAProxy(tb testing.TB) {
	tb.Helper()
	if _, err := os.Stat(haproxyBin); err != nil {
		tb.Fatalf("install haproxy (make deps): %v", err)
	}
}

func code(err error) string {
	if err == nil {
		return ""
	}
	var e *api.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "not an *api.Error: " + err.Error()
}

func i64(v int64) *int64 { return &v }

// runHAProxy runs HAProxy in the foreground on configFile until the test
// ends, and returns once its admin socket answers.
func runHAProxy(t *testing.T, configFile, socket string) {
	t.Helper()
	cmd := exec.Command(haproxyBin, "-db", "-f", configFile)
	out := &capped{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	// Wait for this process's answer, not just any: a fixture started
	// again (as a reload would) leaves the previous process answering on
	// the socket until the new one has bound it, and a test whose commands
	// straddle that moment sends half of them to each.
	pid := fmt.Sprintf("Pid: %d\n", cmd.Process.Pid)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if info, err := (runtime.Client{Socket: socket}).Command(context.Background(), "show info", ""); err == nil && strings.Contains(info, pid) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("HAProxy did not open %s:\n%s", socket, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// capped keeps the first 64 KiB of HAProxy's output, for a failure message.
type capped struct{ b []byte }

func (c *capped) Write(p []byte) (int, error) {
	if len(c.b) < 64<<10 {
		c.b = append(c.b, p...)
	}
	return len(p), nil
}
func (c *capped) String() string { return string(c.b) }
