package examples

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
	"github.com/switchyard/terraform-provider-switchyard/internal/pulumirun"
	"github.com/switchyard/terraform-provider-switchyard/internal/tfrun"
)

// pulumiPort is the example's httpPort in this test (no other test of the
// lab uses it).
const pulumiPort = 8290

// TestAccPulumi_complete proves docs/guides/pulumi.md on the lab with the
// real Pulumi CLI, YAML language host and Terraform bridge: a bad name is
// refused at preview with the provider's own message; `pulumi up` of
// examples/pulumi builds the layered edge + worker topology with basic
// auth and routing by user through a map, and the requests are answered
// as designed; `pulumi preview --expect-no-changes` passes, with and
// without --refresh; two hand changes on the edge (an edited server line,
// a stopped service) are found by `preview --refresh`, which names exactly
// those two resources; `pulumi up --refresh` repairs them; no secret is in
// the state in plaintext; `pulumi destroy` leaves nothing on the machines.
//
// make test runs it on its own, after the other acceptance packages: it
// needs the Pulumi tools, which are built in the meantime.
func TestAccPulumi_complete(t *testing.T) {
	edge, worker := labMachines(t)
	tools, err := pulumirun.FindTools()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	providerDir, err := tfrun.ProviderDir(ctx)
	if err != nil {
		t.Fatal(err)
	}
	repo, err := tfrun.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	p, err := pulumirun.New(ctx, tools, filepath.Join(repo, "examples", "pulumi"), work,
		filepath.Join(providerDir, "terraform-provider-switchyard"), "lab", "pulumi-test-passphrase")
	if err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(edge.PrivateKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("accpu-%04d", rand.IntN(10000))
	config := []struct {
		key, value string
		secret     bool
	}{
		{"edgeHost", edge.Address, false},
		{"edgeHostKey", edge.HostKey, false},
		{"workerHost", worker.Address, false},
		{"workerHostKey", worker.HostKey, false},
		{"sshPrivateKey", string(key), true},
		{"httpPort", fmt.Sprint(pulumiPort), false},
		{"vipPassword", vip.password, true},
		{"johnPasswordHash", hash(t, john.password), true},
		// A bad name first: refused at preview, before anything is made.
		{"name", "Bad Name!", false},
	}
	for _, c := range config {
		if err := p.SetConfig(ctx, c.key, c.value, c.secret); err != nil {
			t.Fatal(err)
		}
	}
	bad, err := p.Preview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all := bad.Stdout + bad.Stderr + strings.Join(bad.Diagnostics, "\n")
	// The provider's own validator message, as `terraform validate` says it.
	if bad.ExitCode == 0 || !strings.Contains(all, "Bad Name!") || !strings.Contains(all, "letters, digits") {
		t.Fatalf("preview with name %q: exit %d, want a failure with the provider's message naming the value\n%s", "Bad Name!", bad.ExitCode, bad.Result)
	}
	t.Logf("preview with a bad name: exit %d; diagnostics:\n%s", bad.ExitCode, strings.Join(bad.Diagnostics, "\n"))
	if err := p.SetConfig(ctx, "name", name, false); err != nil {
		t.Fatal(err)
	}

	t.Cleanup(func() {
		// A fresh context: the test's may have ended.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if _, err := p.Destroy(ctx); err != nil {
			t.Errorf("pulumi destroy: %v", err)
			return
		}
		for _, m := range []lab.Machine{edge, worker} {
			if left := leftovers(ctx, m, name); left != "" {
				t.Errorf("after pulumi destroy, %s still has objects named after %s:\n%s", m.Name, name, left)
			}
		}
	})
	up, err := p.Up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pulumi up took %s", up.Duration.Round(time.Millisecond))

	url := func(path string) string { return fmt.Sprintf("http://%s:%d%s", edge.Address, pulumiPort, path) }
	answers := func(when string) {
		t.Helper()
		expectStatus(t, url("/"), creds{}, http.StatusUnauthorized)
		expectStatus(t, url("/"), creds{"john", "wrong"}, http.StatusUnauthorized)
		expectRotation(t, url("/john"), john, app(8080, edge), app(8081, edge), app(8082, edge))
		expectServedBy(t, url("/vip"), vip, app(8000, edge))
		expectServedBy(t, url("/remote/x"), john, app(8000, worker))
		expectServedBy(t, url("/remote"), vip, app(8000, worker))
		if t.Failed() {
			t.Fatalf("the Pulumi program does not answer as it should %s", when)
		}
	}
	answers("after pulumi up")
	out, err := p.Outputs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := out["url"], url("/"); got != want {
		t.Errorf("output url = %v, want %q", got, want)
	}
	noChanges := func(when string, args ...string) {
		t.Helper()
		pv, err := p.Preview(ctx, append([]string{"--expect-no-changes"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		if pv.ExitCode != 0 || len(pv.Changed()) > 0 {
			t.Fatalf("preview --expect-no-changes %v %s: exit %d, changes %v\n%s", args, when, pv.ExitCode, pv.Changed(), pv.Result)
		}
	}
	noChanges("after pulumi up")
	noChanges("after pulumi up", "--refresh")
	secretsNotInState(t, work, string(key), vip.password)

	// Two hand changes on the edge, which nothing else undoes: this test
	// runs alone.
	for _, c := range []handChange{serverMovedByHand(edge, name+"-pool"), {
		what:    "systemctl stop " + name + "-deluxe-1",
		machine: edge,
		do:      []string{"systemctl", "stop", name + "-deluxe-1.service"},
	}} {
		if err := c.make(ctx); err != nil {
			t.Fatal(err)
		}
		t.Logf("by hand on %s: %s", c.machine.Name, c.what)
	}
	drift, err := p.Preview(ctx, "--refresh", "--expect-no-changes")
	if err != nil {
		t.Fatal(err)
	}
	got := drift.Changed()
	slices.Sort(got)
	if want := []string{"update deluxeApp", "update pool"}; drift.ExitCode == 0 || !cmp.Equal(want, got) {
		t.Fatalf("preview --refresh after the hand changes: exit %d, changes (-want +got):\n%s\n%s", drift.ExitCode, cmp.Diff(want, got), drift.Result)
	}
	if _, err := p.Up(ctx, "--refresh"); err != nil {
		t.Fatal(err)
	}
	// HAProxy marked the deluxe server DOWN while it was stopped; it takes
	// traffic again after `rise` passed checks.
	waitServed(t, url("/vip"), vip, 30*time.Second)
	answers("after pulumi up --refresh repaired the hand changes")
	noChanges("after the repair", "--refresh")
}

// secretsNotInState fails when a secret appears in plaintext anywhere in
// the file backend: Pulumi keeps the provider's inputs in its state, and
// those marked secret (the SSH key, the write-only password) must be
// encrypted there.
func secretsNotInState(t *testing.T, work string, secrets ...string) {
	t.Helper()
	state := filepath.Join(work, "state")
	files := 0
	err := filepath.WalkDir(state, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for i, s := range secrets {
			// Line by line: the state is JSON, where a key's newlines are
			// escaped. Short lines (a PEM header) prove nothing.
			for _, line := range strings.Split(s, "\n") {
				if line = strings.TrimSpace(line); (len(line) >= 12 || line == s) && strings.Contains(string(b), line) {
					t.Errorf("%s holds secret %d in plaintext", path, i+1)
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatalf("no state files under %s", state)
	}
}
