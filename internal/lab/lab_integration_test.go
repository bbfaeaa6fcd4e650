package lab

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// These run against the lab started by `switchyard-lab up` (`make lab-up`),
// with the acceptance tests (TF_ACC=1, as `make test` runs them). There a
// missing lab fails the test: a skip would read as a pass.
func loadLab(t *testing.T) *Lab {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("lab tests run with the acceptance tests: TF_ACC=1 (make test, make acc)")
	}
	l, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLabRunAndWriteFile(t *testing.T) {
	l := loadLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, m := range l.Machines {
		out, _, err := m.Run(ctx, "hostname")
		if err != nil || strings.TrimSpace(out) != m.Name {
			t.Errorf("%s: hostname = %q, %v", m.Name, out, err)
		}
		content := "it's \"quoted\" $HOME `id`\n"
		path := "/tmp/lab test file"
		if err := m.WriteFile(ctx, path, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
		out, _, err = m.Run(ctx, "stat", "-c", "%a", path)
		if err != nil || strings.TrimSpace(out) != "640" {
			t.Errorf("%s: mode = %q, %v", m.Name, out, err)
		}
		out, _, err = m.Run(ctx, "cat", path)
		if err != nil || out != content {
			t.Errorf("%s: read back %q, %v; want %q", m.Name, out, err, content)
		}
		_, stderr, err := m.Run(ctx, "sh", "-c", "echo oops >&2; exit 3")
		if err == nil || !strings.Contains(err.Error(), m.Name) || !strings.Contains(err.Error(), "oops") || stderr != "oops\n" {
			t.Errorf("%s: failing command: err %v, stderr %q", m.Name, err, stderr)
		}
		if m.PrivateKeyPEM() == "" || !strings.HasPrefix(m.HostKey, "ssh-ed25519 AAAA") {
			t.Errorf("%s: key material missing", m.Name)
		}
	}
}

func TestLabRejectsWrongHostKey(t *testing.T) {
	l := loadLab(t)
	a, b := l.Machines[0], l.Machines[0]
	if len(l.Machines) > 1 {
		b = l.Machines[1]
	}
	a.HostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBHNwOkaZtm8n7lsRBG1kHVfBRvAmdKa6d6SjKPs6eqh"
	if b.HostKey == a.HostKey {
		t.Skip("need a different key")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, _, err := a.Run(ctx, "true"); err == nil || !strings.Contains(err.Error(), "handshake") {
		t.Errorf("err = %v, want a host key failure", err)
	}
}

// Restarting from a test binary also proves the nspawn helper works in any
// binary that imports the package. Opt in: it reboots a machine.
func TestLabRestart(t *testing.T) {
	if os.Getenv("SWITCHYARD_LAB_TEST_RESTART") == "" {
		t.Skip("set SWITCHYARD_LAB_TEST_RESTART=1 to reboot a lab machine")
	}
	l := loadLab(t)
	m := l.Machines[len(l.Machines)-1]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := m.WriteFile(ctx, "/root/survives-restart", []byte("yes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.Run(ctx, "ip", "netns", "add", "gone-after-restart"); err != nil {
		t.Fatal(err)
	}
	if err := Restart(ctx, l.Dir, m.Name); err != nil {
		t.Fatal(err)
	}
	if out, _, err := m.Run(ctx, "cat", "/root/survives-restart"); err != nil || out != "yes\n" {
		t.Errorf("file after restart: %q, %v", out, err)
	}
	if out, _, err := m.Run(ctx, "ip", "netns", "list"); err != nil || strings.Contains(out, "gone-after-restart") {
		t.Errorf("netns list after restart: %q, %v", out, err)
	}
	if _, err := Load(l.Dir); err != nil {
		t.Errorf("Load after restart: %v", err)
	}
}
