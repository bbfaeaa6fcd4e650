package bench

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
)

// TestAccBench_smoke runs the benchmark small (N = 10, 20 map entries) so
// that `make test` notices when it breaks. It asserts only facts, never
// times: the plan after apply is empty (Run fails otherwise), reloads per
// apply stay within one per terraform wave, the request loop saw no failure, every SSH
// connection of the provider has its agent session in the session log,
// and the map changes caused no reload and are live in HAProxy.
func TestAccBench_smoke(t *testing.T) {
	const parallelism = 10
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (needs the lab: make lab-up)")
	}
	l, err := lab.Load(lab.ResolveDir(""))
	if err != nil {
		t.Fatal(err)
	}
	m, err := l.Machine("swlab-1")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	var log strings.Builder
	rep, err := Run(ctx, Options{
		Machine: m, Sizes: []int{10}, Parallelism: parallelism, MapEntries: 20, Prefix: "bench-smoke-",
		ProbeMaxRequests: 2000, Log: &log,
	})
	var table strings.Builder
	if rep != nil {
		_ = rep.WriteText(&table)
	}
	t.Logf("progress:\n%s\nreport:\n%s", log.String(), table.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Sizes) != 1 {
		t.Fatalf("report has %d sizes, want 1", len(rep.Sizes))
	}
	s := rep.Sizes[0]
	// One reload per terraform wave at most: the apply's 2N+1 resources run
	// in waves of `parallelism`, and group commit gives each wave one
	// reload (without it, every backend would reload: N). The issue's
	// stricter ⌈N/parallelism⌉+2, which counts backends only, is what the
	// benchmark reports (docs/performance.md): with map entries sharing
	// terraform's slots it is met at N = 10 on a quiet machine, not always.
	waves := (s.Resources+parallelism-1)/parallelism + 2
	if got := s.Apply.Reloads(); got > int64(waves) {
		t.Errorf("N=%d apply: %d reloads, want at most %d (one per wave of %d resources, +2)", s.N, got, waves, s.Resources)
	}
	if s.Probe == nil || s.Probe.Sent == 0 {
		t.Errorf("the request loop did not run during the apply: %+v", s.Probe)
	} else if s.Probe.Failed != 0 {
		t.Errorf("request loop: %d of %d requests failed, first: %s", s.Probe.Failed, s.Probe.Sent, s.Probe.FirstError)
	}
	for _, c := range []Command{s.Apply.Command, s.Plan.Command, s.Destroy.Command, rep.Swap.Command, rep.OneEntry.Command} {
		if c.SSH == 0 {
			t.Errorf("%s: no SSH connection with the run's key in sshd's log", c.Name)
		}
		if c.Found() != c.SSH {
			t.Errorf("%s: %d SSH connections but %d agent sessions found in the session log", c.Name, c.SSH, c.Found())
		}
	}
	for _, c := range []Change{rep.Swap, rep.OneEntry} {
		if c.Reloads() != 0 {
			t.Errorf("%s: the run's agents reloaded HAProxy %d times, want 0", c.Name, c.Reloads())
		}
		if c.Verified != c.Entries {
			t.Errorf("%s: %d of %d entries have the new value in the running HAProxy", c.Name, c.Verified, c.Entries)
		}
	}
}
