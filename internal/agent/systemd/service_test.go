package systemd

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/atomicfile"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/machinelock"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/systemctl"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// activeSystemd answers like systemd for a unit that starts at once.
func activeSystemd() *systemctl.Fake {
	return &systemctl.Fake{Answer: func(args []string) (string, error) {
		if args[0] == "show" {
			return "ActiveState=active\nSubState=running\nUnitFileState=enabled\nMainPID=1", nil
		}
		return "", nil
	}}
}

// TestApplyServiceWritesUnderTheLockAndKeepsMode: the unit is written
// through the one atomic writer (a mode set by hand stays), then
// daemon-reload and the restart that a changed unit needs.
func TestApplyServiceWritesUnderTheLockAndKeepsMode(t *testing.T) {
	dir := t.TempDir()
	fake := activeSystemd()
	v := &Services{Systemctl: fake, Lock: machinelock.New(filepath.Join(dir, "lock"), time.Second), UnitDir: dir}
	svc := api.Service{Name: "app", ExecStart: []string{"/bin/sleep", "infinity"}, Enabled: true, Running: true}
	if _, err := v.ApplyService(context.Background(), svc, true); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "app.service")
	if got, err := atomicfile.Stat(path); err != nil || got.Mode != 0o644 {
		t.Fatalf("new unit: %+v, %v; want mode 0644", got, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	svc.ExecStart = []string{"/bin/sleep", "1000"}
	if _, err := v.ApplyService(context.Background(), svc, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := atomicfile.Stat(path); got.Mode != 0o600 {
		t.Errorf("rewritten unit has mode %o, want the 0600 it had", got.Mode)
	}
	var verbs []string
	for _, c := range fake.Calls() {
		verbs = append(verbs, c[0])
	}
	if !slices.Contains(verbs, "daemon-reload") || !slices.Contains(verbs, "restart") {
		t.Errorf("systemctl verbs %v: want a daemon-reload and a restart for the changed unit", verbs)
	}
	// While another session holds the lock, a write waits and times out.
	other, err := machinelock.New(filepath.Join(dir, "lock"), time.Second).Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer other()
	v.Lock = machinelock.New(filepath.Join(dir, "lock"), 100*time.Millisecond)
	svc.ExecStart = []string{"/bin/sleep", "2000"}
	if _, err := v.ApplyService(context.Background(), svc, false); err == nil || !strings.Contains(err.Error(), "holds") {
		t.Errorf("write while another session holds the lock: %v, want a lock timeout", err)
	}
}
