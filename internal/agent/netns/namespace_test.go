package netns

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/machinelock"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/systemctl"
)

func TestTemplateNeverDeletesTheNamespace(t *testing.T) {
	unit := string(template("/usr/bin/ip"))
	for _, want := range []string{
		"ExecStart=-/usr/bin/ip netns add %i\n",
		"ExecStart=/usr/bin/ip -n %i link set lo up\n",
		"RemainAfterExit=yes\n",
		"WantedBy=multi-user.target\n",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("template has no line %q:\n%s", want, unit)
		}
	}
	// Stopping or restarting the unit must not take the namespace from
	// under the services inside it.
	if strings.Contains(unit, "ExecStop") || strings.Contains(unit, "netns del") {
		t.Errorf("template deletes the namespace when stopped:\n%s", unit)
	}
}

func TestUnit(t *testing.T) {
	if got := Unit("app"); got != "switchyard-netns@app.service" {
		t.Errorf("Unit(app) = %q", got)
	}
}

// fakeSystemd answers like systemd for namespaces that are all enabled
// and active, and makes the enable link that `systemctl enable` makes.
func fakeSystemd(t *testing.T, wantsDir string) *systemctl.Fake {
	t.Helper()
	return &systemctl.Fake{Answer: func(args []string) (string, error) {
		switch args[0] {
		case "enable":
			unit := args[len(args)-1]
			if err := os.MkdirAll(wantsDir, 0o755); err != nil {
				return "", err
			}
			// Let other goroutines run between enabling and reading the
			// links, as systemd's own latency would.
			time.Sleep(time.Millisecond)
			err := os.Symlink("../switchyard-netns@.service", filepath.Join(wantsDir, unit))
			if err != nil && !os.IsExist(err) {
				return "", err
			}
		case "is-enabled":
			return "enabled", nil
		case "is-active":
			return "active", nil
		case "daemon-reload":
			time.Sleep(time.Millisecond)
		}
		return "", nil
	}}
}

// TestEnsureConcurrentlyKeepsEveryNamespaceInTheDropIn: namespaces created
// in one wave each rewrite HAProxy's drop-in from the enable links; none
// may be lost to another's rewrite.
func TestEnsureConcurrentlyKeepsEveryNamespaceInTheDropIn(t *testing.T) {
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatal("install iproute2 (make deps): ", err)
	}
	dir := t.TempDir()
	n := &Namespaces{
		UnitDir: filepath.Join(dir, "units"),
		Dir:     filepath.Join(dir, "netns"),
		Lock:    machinelock.New(filepath.Join(dir, "machine.lock"), 10*time.Second),
	}
	n.Systemctl = fakeSystemd(t, n.wantsDir())
	if err := os.MkdirAll(n.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	const count = 12
	var want []string
	for i := range count {
		name := fmt.Sprintf("ns%02d", i)
		want = append(want, Unit(name))
		if err := os.WriteFile(filepath.Join(n.Dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := range count {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := n.Ensure(context.Background(), fmt.Sprintf("ns%02d", i), true, "haproxy"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	b, err := os.ReadFile(filepath.Join(n.UnitDir, "haproxy.service.d", dropInName))
	if err != nil {
		t.Fatal(err)
	}
	wantLine := "Wants=" + strings.Join(want, " ") + "\n"
	if !strings.Contains(string(b), wantLine) {
		t.Errorf("drop-in lacks some namespaces; want the line\n%s got:\n%s", wantLine, b)
	}
}

// TestReviveDoesNotTakeTheLock: Revive runs under the
// pipeline's machine lock, so it must not take it (it would deadlock);
// holding the lock here proves that.
func TestReviveDoesNotTakeTheLock(t *testing.T) {
	dir := t.TempDir()
	n := &Namespaces{
		UnitDir: filepath.Join(dir, "units"),
		Dir:     filepath.Join(dir, "netns"),
		Lock:    machinelock.New(filepath.Join(dir, "machine.lock"), 200*time.Millisecond),
	}
	fake := fakeSystemd(t, n.wantsDir())
	n.Systemctl = fake
	unlock, err := n.Lock.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	revived, err := n.Revive(context.Background(), "gone")
	if err != nil || !revived {
		t.Fatalf("Revive(gone) = %v, %v; want true, nil", revived, err)
	}
	if got := fake.Calls(); len(got) != 2 || got[1][0] != "restart" {
		t.Errorf("systemctl calls %q, want is-enabled then restart", got)
	}
}

// TestEnsureWithoutBoot: a namespace adopted with boot = false keeps no
// unit of Switchyard's. One whose unit was enabled gets it disabled (not
// stopped: that must never touch the namespace) and leaves HAProxy's
// drop-in; one made by hand is left as it is, never enabled.
func TestEnsureWithoutBoot(t *testing.T) {
	dir := t.TempDir()
	n := &Namespaces{
		UnitDir: filepath.Join(dir, "units"),
		Dir:     filepath.Join(dir, "netns"),
		Lock:    machinelock.New(filepath.Join(dir, "machine.lock"), 10*time.Second),
	}
	enabled := map[string]bool{}
	var calls []string
	n.Systemctl = &systemctl.Fake{Answer: func(args []string) (string, error) {
		calls = append(calls, strings.Join(args, " "))
		unit := args[len(args)-1]
		link := filepath.Join(n.wantsDir(), unit)
		switch args[0] {
		case "enable":
			enabled[unit] = true
			if err := os.MkdirAll(n.wantsDir(), 0o755); err != nil {
				return "", err
			}
			return "", os.Symlink("../switchyard-netns@.service", link)
		case "disable":
			delete(enabled, unit)
			return "", os.Remove(link)
		case "is-enabled":
			if enabled[unit] {
				return "enabled", nil
			}
			return "disabled", fmt.Errorf("exit status 1")
		case "is-active":
			return "active", nil
		}
		return "", nil
	}}
	for _, name := range []string{"managed", "byhand"} {
		if err := os.MkdirAll(n.Dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(n.Dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	if _, _, err := n.Ensure(ctx, "managed", true, "haproxy"); err != nil {
		t.Fatal(err)
	}
	dropIn := filepath.Join(n.UnitDir, "haproxy.service.d", dropInName)
	if _, err := os.Stat(dropIn); err != nil {
		t.Fatalf("no drop-in after a boot namespace: %v", err)
	}

	calls = nil
	ns, _, err := n.Ensure(ctx, "managed", false, "haproxy")
	if err != nil {
		t.Fatal(err)
	}
	if ns.Enabled || !ns.Exists {
		t.Errorf("after boot = false: %+v, want exists and not enabled", ns)
	}
	if !slices.Contains(calls, "disable -- "+Unit("managed")) || slices.ContainsFunc(calls, func(c string) bool { return strings.Contains(c, "--now") || strings.HasPrefix(c, "stop") }) {
		t.Errorf("want a plain disable (never a stop), systemctl calls were %q", calls)
	}
	if _, err := os.Stat(dropIn); !os.IsNotExist(err) {
		t.Errorf("HAProxy's drop-in still orders it after a namespace without boot: %v", err)
	}

	calls = nil
	ns, _, err = n.Ensure(ctx, "byhand", false, "haproxy")
	if err != nil {
		t.Fatal(err)
	}
	if ns.Enabled || !ns.Exists {
		t.Errorf("hand-made namespace: %+v", ns)
	}
	if slices.ContainsFunc(calls, func(c string) bool { return !strings.HasPrefix(c, "is-enabled") }) {
		t.Errorf("a hand-made namespace with boot = false was touched: systemctl %q", calls)
	}
}
