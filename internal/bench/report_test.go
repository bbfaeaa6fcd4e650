package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func TestCommandCounts(t *testing.T) {
	c := Command{SSH: 3, Sessions: []*api.SessionRecord{{Requests: 4, Reloads: 0, PeakRSSKiB: 9000}, nil, {Requests: 1003, Reloads: 3, PeakRSSKiB: 20480}}}
	c.Sessions[2].Started, c.Sessions[2].Ended = "2026-11-23T22:00:00.1Z", "2026-11-23T22:00:01.35Z"
	span, ok := c.LastSessionSpan()
	got := []any{c.Requests(), c.Reloads(), c.Found(), c.walks(), span, ok, c.AgentRSSKiB()}
	want := []any{int64(1007), int64(3), 2, "2 (4+?+1003)", 1250 * time.Millisecond, true, int64(20480)}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if c.Pipeline() != nil {
		t.Errorf("pipeline stats of sessions without batches: %+v, want nil", c.Pipeline())
	}
	// Two walks with batches: their sums, the largest batch of both.
	c.Sessions[0].Pipeline = &api.PipelineStats{Batches: 2, Changes: 15, Largest: 10, GatherMS: 300, TransactionMS: 900, CheckMS: 600, ReloadMS: 1200, Resent: 1}
	c.Sessions[2].Pipeline = &api.PipelineStats{Batches: 2, Changes: 5, Largest: 3, LockMS: 50, TransactionMS: 100, CheckMS: 50, ReloadMS: 800}
	wantP := &api.PipelineStats{Batches: 4, Changes: 20, Largest: 10, GatherMS: 300, LockMS: 50, TransactionMS: 1000, CheckMS: 650, ReloadMS: 2000, Resent: 1}
	if d := cmp.Diff(wantP, c.Pipeline()); d != "" {
		t.Errorf("pipeline sums (-want +got):\n%s", d)
	}
}

func sy(d time.Duration, ssh int, reloads ...int64) Sample {
	s := Sample{Command: Command{Duration: d, SSH: ssh}, ProviderRSSKiB: 51200}
	for _, r := range reloads {
		s.Sessions = append(s.Sessions, &api.SessionRecord{Requests: 22, Reloads: r, PeakRSSKiB: 10240})
	}
	return s
}

func times(ds ...time.Duration) []Sample {
	var out []Sample
	for _, d := range ds {
		out = append(out, Sample{Command: Command{Duration: d}})
	}
	return out
}

func TestReportTables(t *testing.T) {
	s := time.Second
	apply := &Row{N: 10, Resources: 21, Name: cmdApply, ReloadBound: 3,
		Floor: times(s, 2*s, s), Framework: times(2*s, 2*s, 3*s),
		Switchyard: []Sample{sy(3*s, 1, 2), sy(4*s, 1, 5), sy(2*s, 1, 2)},
	}
	apply.Switchyard[0].Probe = &Probe{Sent: 100, Failed: 1, Clients: 4, Duration: 3 * s, FirstError: "EOF"}
	apply.Switchyard[1].Sessions[0].Pipeline = &api.PipelineStats{Batches: 4, Changes: 20, Largest: 10, GatherMS: 300, LockMS: 50, TransactionMS: 1000, CheckMS: 650, ReloadMS: 2000, Resent: 1}
	change := &Row{N: 10, Resources: 21, Name: cmdChange, Floor: times(s), Framework: times(s),
		Switchyard: []Sample{sy(3*s, 2, 0, 0)}}
	change.Switchyard[0].Live, change.Switchyard[0].LiveOK = 1500*time.Millisecond, true
	rep := &Report{Machine: "swlab-1", Parallelism: 10, Repeat: 3, Rows: []*Row{apply, change}}
	var text, md strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"3.00s (2.00–4.00)", "3.00×", "2.00×", "1 (22)", "2–5", "100 sent, 1 failed", "first failure: EOF",
		"N=10 apply: counts differ between repeats: reloads 2–5",
		"N=10 apply, repeat 2, the agent's batches: 4 batches of 5.0 changes (largest 10): gather 0.3s, lock 0.1s, transaction 1.0s (haproxy -c 0.7s), reload and confirmation 2.0s; map entries set again after a reload 1",
		"reloads per apply ≤ ⌈N/parallelism⌉+2 (N=10)", "missed by 2 (+67%)",
		"one backend changed: live in HAProxy ≤ 1 s after the apply (N=10)", "missed by 500ms (worst)",
		"0 failed requests during every benchmarked apply", "1 failed of 100 over 1 applies",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}
	if strings.Contains(md.String(), "| destroy |") {
		t.Errorf("a command that did not run is in the table:\n%s", md.String())
	}
	wantRow := "| 10 | 21 | apply | 3.00s (2.00–4.00) | 2.00s (2.00–3.00) | 1.00s (1.00–2.00) | 3.00× | 2.00× | 1 | 1 (22) | 22 | 2–5 | 3 | 50 | 10 | - |"
	if !strings.Contains(md.String(), wantRow) {
		t.Errorf("markdown lacks row %q:\n%s", wantRow, md.String())
	}
	if !strings.Contains(md.String(), "| one backend changed | 3.00s | 1.00s | 1.00s | 3.00× | 1.00× | 2 | 2 (22+22) | 44 | 0 | 0 | 50 | 10 | 1500.0 |") {
		t.Errorf("markdown lacks the change row:\n%s", md.String())
	}
	// Judged: plan and destroy rows are missing, so unknown; the change
	// reloaded nothing (met); 2 SSH connections for the change's 2 walks
	// are within one per walk.
	got := map[string]string{}
	for _, tg := range rep.Targets() {
		got[tg.Name] = tg.Verdict
	}
	want := map[string]string{
		"no-change plan ≤ 1.5× floor (N=10)":                                           "unknown",
		"apply from empty ≤ 3× floor (N=10)":                                           "met",
		"destroy ≤ 3× floor (N=10)":                                                    "unknown",
		"one backend changed ≤ 2× floor (one terraform_data change among 2N+1) (N=10)": "missed by 1.00× the floor (1.00s too slow)",
		"one backend changed: live in HAProxy ≤ 1 s after the apply (N=10)":            "missed by 500ms (worst)",
		"reloads per apply ≤ ⌈N/parallelism⌉+2 (N=10)":                                 "missed by 2 (+67%)",
		"0 reloads for changes HAProxy takes at runtime":                               "met",
		"one SSH connection and one agent session per machine per terraform walk":      "met",
		"0 failed requests during every benchmarked apply":                             "missed by 1",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("targets (-want +got):\n%s", d)
	}
}

// An apply with a connection whose agent session is missing, or more
// connections than walks, misses the one-per-walk target.
func TestTargetConnectionsPerWalk(t *testing.T) {
	plan := &Row{N: 10, Name: cmdPlan, Floor: times(time.Second), Switchyard: []Sample{sy(time.Second, 2, 0, 0)}}
	apply := &Row{N: 10, Name: cmdApply, ReloadBound: 3, Floor: times(time.Second), Switchyard: []Sample{sy(time.Second, 2, 1)}}
	rep := &Report{Rows: []*Row{plan, apply}}
	for _, tg := range rep.Targets() {
		if strings.HasPrefix(tg.Name, "one SSH connection") {
			if tg.Met || tg.Verdict != "missed by 1" || !strings.Contains(tg.Measured, "N=10 plan: 2 ssh, 2 sessions for 1 walks") ||
				!strings.Contains(tg.Measured, "N=10 apply: 2 ssh, 1 sessions for 2 walks") {
				t.Errorf("%+v", tg)
			}
			return
		}
	}
	t.Error("no connection target")
}
