package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/lab/labtest"
)

// TestAccBench_smoke runs the benchmark tiny (N = 3, 20 map entries, every
// command once) so that `make test` notices when it breaks. It asserts only
// facts, never times: the plan and the drift check after apply are empty
// (Run fails otherwise), reloads per apply stay within one per terraform
// wave, the request loop saw no failure, every SSH connection of the
// provider has its agent session in the session log, the null provider ran
// every command, the changed backend and the map changes caused no reload
// and are live in HAProxy, and the peak memories were read.
func TestAccBench_smoke(t *testing.T) {
	const parallelism = 10
	m := labtest.Machine(t, "swlab-1")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	var log strings.Builder
	rep, err := Run(ctx, Options{
		Machine: m, Sizes: []int{3}, Parallelism: parallelism, MapEntries: 20, Repeat: 1, Prefix: "bench-smoke-",
		ProbeMaxRequests: 2000, Log: &log, ProfileDir: t.TempDir(),
	})
	var table strings.Builder
	if rep != nil {
		_ = rep.WriteText(&table)
	}
	t.Logf("progress:\n%s\nreport:\n%s", log.String(), table.String())
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]*Row{}
	for _, row := range rep.Rows {
		rows[row.Name] = row
	}
	for _, name := range []string{cmdApply, cmdPlan, cmdDrift, cmdChange, cmdDestroy, cmdSwap, cmdOneEntry} {
		row := rows[name]
		if row == nil {
			t.Fatalf("no %q row in the report", name)
		}
		if len(row.Switchyard) != 1 || len(row.Floor) != 1 {
			t.Errorf("%s: %d switchyard and %d floor runs, want 1 each", name, len(row.Switchyard), len(row.Floor))
		}
		if row.N > 0 && len(row.Framework) != 1 {
			t.Errorf("%s: %d runs on the null provider, want 1", name, len(row.Framework))
		}
		for _, s := range row.Switchyard {
			if s.SSH == 0 {
				t.Errorf("%s: no SSH connection with the run's key in sshd's log", name)
			}
			if s.Found() != s.SSH {
				t.Errorf("%s: %d SSH connections but %d agent sessions found in the session log", name, s.SSH, s.Found())
			}
			if s.AgentRSSKiB() == 0 {
				t.Errorf("%s: no agent peak RSS in the session log", name)
			}
			if s.ProviderRSSKiB == 0 {
				t.Errorf("%s: no provider peak RSS in %s", name, s.ProfileDir)
			}
		}
	}
	apply := rows[cmdApply]
	// One reload per terraform wave at most: the apply's 2N+1 resources run
	// in waves of `parallelism`, and group commit gives each wave one
	// reload (without it, every backend would reload: N). The issue's
	// stricter ⌈N/parallelism⌉+2 is what the benchmark reports
	// (docs/performance.md), not what this asserts.
	waves := (apply.Resources+parallelism-1)/parallelism + 2
	if got := apply.Switchyard[0].Reloads(); got > int64(waves) {
		t.Errorf("N=3 apply: %d reloads, want at most %d (one per wave of %d resources, +2)", got, waves, apply.Resources)
	}
	// The session log says where the batches' time went (issue 15's
	// breakdown): every backend create went through a batch, and each
	// batch reloads at most once.
	if p := apply.Switchyard[0].Pipeline(); p == nil {
		t.Errorf("N=3 apply: no pipeline stats in the session log")
	} else if p.Changes != int64(apply.N) || p.Batches < apply.Switchyard[0].Reloads() || p.ReloadMS <= 0 || p.CheckMS <= 0 {
		t.Errorf("N=3 apply: pipeline stats %+v, want %d changes, at least %d batches, reload and haproxy -c time", p, apply.N, apply.Switchyard[0].Reloads())
	}
	if p := apply.Switchyard[0].Probe; p == nil || p.Sent == 0 {
		t.Errorf("the request loop did not run during the apply: %+v", p)
	} else if p.Failed != 0 {
		t.Errorf("request loop: %d of %d requests failed, first: %s", p.Failed, p.Sent, p.FirstError)
	}
	// A port change is a runtime change: served, and no reload.
	ch := rows[cmdChange].Switchyard[0]
	if !ch.LiveOK {
		t.Errorf("the changed backend was not served from port %d within %s of the apply's end", changedPort, liveBound)
	}
	if ch.Reloads() != 0 {
		t.Errorf("one backend changed (server ports): %d reloads by the run's agents, want 0", ch.Reloads())
	}
	for _, row := range []*Row{rows[cmdSwap], rows[cmdOneEntry]} {
		if got := row.Switchyard[0].Reloads(); got != 0 {
			t.Errorf("%s: the run's agents reloaded HAProxy %d times, want 0", row.Name, got)
		}
		if len(row.Verified) != 1 || row.Verified[0] != row.Entries {
			t.Errorf("%s: %v of %d entries have the new value in the running HAProxy", row.Name, row.Verified, row.Entries)
		}
	}
	if len(rep.Targets()) == 0 {
		t.Error("no targets in the report")
	}
}
