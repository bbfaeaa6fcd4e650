package examples

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
	"github.com/switchyard/terraform-provider-switchyard/internal/tfrun"
)

// handChange is one change made by hand on a machine, behind Terraform's
// back, and the one resource whose Read must notice it.
type handChange struct {
	what    string      // for the log
	addr    string      // the resource address the plan must name
	machine lab.Machine // where it is made
	do      []string    // the command that makes it (an argument list)
	// in reports whether the change is still in place (nil: nothing on
	// the shared lab undoes it). Other tests reload the lab's HAProxy all
	// the time, and a reload loads the map file again over a runtime map
	// change; an edit of haproxy.cfg can be lost to another test's commit.
	in []string // a command that exits 0 while the change is in place
}

// serverMovedByHand moves server app1 of backend from port 8080 to 8082 in
// m's haproxy.cfg and reloads HAProxy, as an operator would; the drift
// test and the Pulumi test both make this change.
func serverMovedByHand(m lab.Machine, backend string) handChange {
	return handChange{
		what:    "server app1 of backend " + backend + " moved from port 8080 to 8082 in haproxy.cfg, then systemctl reload haproxy",
		machine: m,
		do: []string{"sh", "-c", `set -e
sed -i "/^backend $1\$/,/^\$/ s/^\(  *server app1 127\.0\.0\.1:\)8080\( \|\$\)/\18082\2/" /etc/haproxy/haproxy.cfg
grep -A8 "^backend $1\$" /etc/haproxy/haproxy.cfg | grep -q "server app1 127.0.0.1:8082"
systemctl reload haproxy`, "sh", backend},
		in: []string{"sh", "-c", `grep -A8 "^backend $1\$" /etc/haproxy/haproxy.cfg | grep -q "server app1 127.0.0.1:8082"`, "sh", backend},
	}
}

// make runs the change's command.
func (c handChange) make(ctx context.Context) error {
	out, stderr, err := c.machine.Run(ctx, c.do...)
	if err != nil {
		return fmt.Errorf("%s on %s: %w\n%s%s", c.what, c.machine.Name, err, out, stderr)
	}
	return nil
}

// inPlace reports whether the change is still there; an error means the
// check could not run at all (SSH).
func (c handChange) inPlace(ctx context.Context) (bool, error) {
	if c.in == nil {
		return true, nil
	}
	_, _, err := c.machine.Run(ctx, c.in...)
	var exit interface{ ExitStatus() int }
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &exit):
		return false, nil
	default:
		return false, fmt.Errorf("checking %q on %s: %w", c.what, c.machine.Name, err)
	}
}

// keepInPlace makes every change again as soon as it is found undone, until
// the returned stop is called; stop returns how many times it did. Run
// during a plan, it keeps a runtime map change alive across other tests'
// reloads, so the plan's refresh sees it.
func keepInPlace(ctx context.Context, changes []handChange) (stop func() int) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan int)
	go func() {
		remade := 0
		defer func() { done <- remade }()
		for {
			for _, c := range changes {
				if ok, err := c.inPlace(ctx); err == nil && !ok && c.make(ctx) == nil {
					remade++
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(200 * time.Millisecond): // pacing only
			}
		}
	}()
	return func() int {
		cancel()
		return <-done
	}
}

// driftCheck runs the guide's script, examples/ci/drift-check.sh, in the
// workspace's root module with the workspace's terraform and CLI config,
// as a CI job would, and returns its exit code, the addresses it reported
// (DRIFT_REPORT) and its output; env is more of its environment.
func driftCheck(t *testing.T, ctx context.Context, w *tfrun.Workspace, env ...string) (code int, addrs []string, output string) {
	t.Helper()
	repo, err := tfrun.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	terraform, err := tfrun.TerraformPath()
	if err != nil {
		t.Fatal(err)
	}
	// tfrun keeps its CLI configuration (the dev override) next to the copy
	// of the tree.
	rc := filepath.Join(filepath.Dir(w.Root), "terraformrc")
	if _, err := os.Stat(rc); err != nil {
		t.Fatalf("the workspace's CLI configuration: %v", err)
	}
	report := filepath.Join(t.TempDir(), "drift-report")
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(repo, "examples", "ci", "drift-check.sh"))
	cmd.Dir = w.Dir
	cmd.Env = append(os.Environ(),
		"TERRAFORM="+terraform,
		"TF_CLI_CONFIG_FILE="+rc,
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
		"DRIFT_REPORT="+report,
	)
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && ctx.Err() == nil:
		code = exit.ExitCode()
	default:
		t.Fatalf("drift-check.sh: %v\n%s", err, out)
	}
	if b, err := os.ReadFile(report); err == nil {
		addrs = strings.Fields(string(b))
	}
	return code, addrs, string(out)
}
