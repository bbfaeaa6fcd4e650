package haproxy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// commandRecorder is a unix socket in front of HAProxy's admin socket that
// records the first word pair of every command (one per connection, as the
// admin socket takes them) and forwards everything both ways.
type commandRecorder struct {
	mu   sync.Mutex
	cmds []string
}

func recordCommands(t *testing.T, path, target string) *commandRecorder {
	t.Helper()
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	r := &commandRecorder{}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go r.forward(c, target)
		}
	}()
	return r
}

func (r *commandRecorder) forward(c net.Conn, target string) {
	defer func() { _ = c.Close() }()
	up, err := net.Dial("unix", target)
	if err != nil {
		return
	}
	defer func() { _ = up.Close() }()
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil {
		return
	}
	r.mu.Lock()
	r.cmds = append(r.cmds, firstTwo(line))
	r.mu.Unlock()
	if _, err := io.WriteString(up, line); err != nil {
		return
	}
	go func() { _, _ = io.Copy(up, br) }()
	_, _ = io.Copy(c, up)
}

func firstTwo(line string) string {
	f := strings.Fields(line)
	if len(f) > 2 {
		f = f[:2]
	}
	return strings.Join(f, " ")
}

func (r *commandRecorder) commands() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.cmds...)
}

// TestMapSwap1000 replaces a live 1000-entry map by another: one file
// write, one prepared version filled and committed, no reload, and the
// running map then holds exactly the new entries.
func TestMapSwap1000(t *testing.T) {
	ctx := context.Background()
	f := newMapFixture(t)
	entries := func(gen string) map[string]string {
		out := map[string]string{}
		for i := range 1000 {
			out[fmt.Sprintf("user-%04d@example.com", i)] = fmt.Sprintf("backend-%s-%d", gen, i%7)
		}
		return out
	}
	if _, err := f.m.CreateMap(ctx, api.MapSpec{Name: "users", Entries: entries("old")}); err != nil {
		t.Fatal(err)
	}
	f.start(t)
	// From here on the agent talks to HAProxy through the recorder.
	rec := recordCommands(t, filepath.Join(f.dir, "rec.sock"), f.socket)
	f.m.opts.HAProxy.RuntimeSocket = filepath.Join(f.dir, "rec.sock")
	path := f.m.MapPath("users")
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	got, err := f.m.UpdateMap(ctx, api.MapSpec{Name: "users", Entries: entries("new")})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("1000-entry swap with read-back: %s", time.Since(start))

	want := api.Map{Name: "users", Path: path, File: entries("new"), Loaded: true, Runtime: entries("new")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("read back (-want +got):\n%s", diff)
	}
	cmds := rec.commands()
	// The swap: prepare, payloads, commit (one version, atomic); then the
	// read-back's show map. Nothing else reaches HAProxy.
	if len(cmds) < 4 || cmds[0] != "prepare map" || cmds[len(cmds)-2] != "commit map" || cmds[len(cmds)-1] != "show map" {
		t.Fatalf("runtime commands: %v", cmds)
	}
	for _, c := range cmds[1 : len(cmds)-2] {
		if c != "add map" {
			t.Fatalf("runtime commands: %v, want only `add map` between prepare and commit", cmds)
		}
	}
	t.Logf("runtime commands: prepare, %d add map payloads, commit, show map", len(cmds)-3)
	if n := f.reloader.calls.Load(); n != 0 {
		t.Errorf("the swap reloaded HAProxy %d times, want 0", n)
	}
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if os.SameFile(before, after) {
		t.Error("the map file was not replaced (expected one atomic rename)")
	}
	ents, err := os.ReadDir(filepath.Dir(path))
	if err != nil || len(ents) != 1 {
		t.Errorf("maps directory after the swap: %v %v, want only users.map", ents, err)
	}
}
