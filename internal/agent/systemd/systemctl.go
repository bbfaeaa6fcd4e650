package systemd

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// run runs a command (never through a shell) and returns its combined output.
func run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

// Systemctl runs systemctl with args.
func Systemctl(ctx context.Context, args ...string) (string, error) {
	return run(ctx, "systemctl", args...)
}

// Show returns properties of a unit (systemctl show -p …).
func Show(ctx context.Context, unitName string, props ...string) (map[string]string, error) {
	out, err := Systemctl(ctx, "show", "-p", strings.Join(props, ","), "--", unitName)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			m[k] = v
		}
	}
	return m, nil
}

// Diagnose is what a person needs to see when a unit does not start: its
// status and the last journal lines.
func Diagnose(ctx context.Context, unitName string) string {
	status, _ := run(ctx, "systemctl", "status", "--no-pager", "-l", "--", unitName)
	journal, _ := run(ctx, "journalctl", "-u", unitName, "-n", "20", "--no-pager")
	return "systemctl status " + unitName + ":\n" + strings.TrimSpace(status) +
		"\n\njournalctl -u " + unitName + " -n 20:\n" + strings.TrimSpace(journal)
}
