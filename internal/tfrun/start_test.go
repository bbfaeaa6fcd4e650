package tfrun

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestStartKillTakesTheGroup: Kill ends the started command and the
// process it started (as terraform starts the provider), not only the
// command itself. /bin/sh stands in for terraform.
func TestStartKillTakesTheGroup(t *testing.T) {
	dir := t.TempDir()
	w := &Workspace{Dir: dir, terraform: "/bin/sh", env: os.Environ()}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pidFile := filepath.Join(dir, "child.pid")
	st, err := w.Start(ctx, "-c", `sleep 60 & echo $! > "$1"; wait`, "sh", pidFile)
	if err != nil {
		t.Fatal(err)
	}
	var child int
	for deadline := time.Now().Add(10 * time.Second); child == 0 && time.Now().Before(deadline); {
		if b, err := os.ReadFile(pidFile); err == nil && strings.HasSuffix(string(b), "\n") {
			child, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if child == 0 {
		t.Fatal("the command did not start its child")
	}
	if err := st.Kill(); err != nil {
		t.Fatal(err)
	}
	r, err := st.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if r.ExitCode != -1 {
		t.Errorf("exit code %d after SIGKILL, want -1", r.ExitCode)
	}
	// The child is reparented and reaped by init once killed; until then
	// it is a zombie, which signal 0 still finds: look at its state.
	for deadline := time.Now().Add(5 * time.Second); ; {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(child) + "/stat")
		if err != nil || strings.Contains(string(b), ") Z ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("child %d still running after Kill: %s", child, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := st.Kill(); err != nil {
		t.Errorf("a second Kill: %v", err)
	}
}
