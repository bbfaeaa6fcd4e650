package systemd

import (
	"context"
	"os/exec"
	"strings"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/systemctl"
)

// Show returns properties of a unit (systemctl show -p …).
func Show(ctx context.Context, sc systemctl.Runner, unitName string, props ...string) (map[string]string, error) {
	out, err := sc.Run(ctx, "show", "-p", strings.Join(props, ","), "--", unitName)
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
func Diagnose(ctx context.Context, sc systemctl.Runner, unitName string) string {
	// status exits non-zero for a failed unit, which is the case here;
	// the output is what matters.
	status, _ := sc.Run(ctx, "status", "--no-pager", "-l", "--", unitName)
	journal, _ := exec.CommandContext(ctx, "journalctl", "-u", unitName, "-n", "20", "--no-pager").CombinedOutput()
	return "systemctl status " + unitName + ":\n" + strings.TrimSpace(status) +
		"\n\njournalctl -u " + unitName + " -n 20:\n" + strings.TrimSpace(string(journal))
}
