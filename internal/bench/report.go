package bench

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// Report is one run's results.
type Report struct {
	Started        time.Time
	Machine        string
	Parallelism    int
	MapEntries     int
	Repeat         int
	Prefix         string
	KeyFingerprint string
	ProfileRoot    string // where every command's provider profiles are kept
	Rows           []*Row
}

// The commands of a size, in the order each repeat runs them.
const (
	cmdApply   = "apply"
	cmdPlan    = "plan"        // no-change plan -detailed-exitcode -out (then show -json, not timed)
	cmdDrift   = "drift check" // plan -detailed-exitcode of the whole configuration, as a cron job runs it
	cmdChange  = "one backend changed"
	cmdDestroy = "destroy"
	// The fixture's map changes (N = 0 rows).
	cmdSwap     = "map swap"
	cmdOneEntry = "one map entry"
)

// walksOf is how many terraform graph walks (provider processes, so SSH
// connections at best) a command makes: a plan one, an apply or destroy
// two (its plan walk and its apply walk).
func walksOf(cmd string) int {
	if cmd == cmdPlan || cmd == cmdDrift {
		return 1
	}
	return 2
}

// Row is one command of one N, every repeat of it on the three references.
type Row struct {
	N           int // 0: a fixture row (map changes)
	Resources   int // of each configuration (2N+1, or 3 for the fixture)
	Name        string
	ReloadBound int // apply: ceil(N / parallelism) + 2; else 0
	Floor       []Sample
	Framework   []Sample // the null provider; empty when not run
	Switchyard  []Sample
	// Map changes: entries changed, and per repeat the entries HAProxy has
	// with the new value and whether its workers were kept (no reload).
	Entries     int
	Verified    []int
	WorkersKept []bool
}

// Sample is one run of one command.
type Sample struct {
	Command
	ProfileDir     string // SWITCHYARD_PPROF of the run: cpu-/heap-<pid>.pprof, mem-<pid>.txt
	ProviderRSSKiB int64  // max peak RSS over the run's provider processes; 0: unknown
	// Live is, for a change HAProxy must serve, the time from the apply's
	// end until the machine's HAProxy answered with it (LiveOK false: not
	// within the poll's bound).
	Live   time.Duration
	LiveOK bool
	Probe  *Probe // the request loop during this apply, if one ran
}

// Command is one Switchyard terraform command and what the machine saw.
type Command struct {
	Name     string
	Duration time.Duration
	SSH      int // connections sshd accepted with the run's key
	// Sessions holds, per SSH connection, the agent session found for it
	// in the session log (nil: none found).
	Sessions        []*api.SessionRecord
	SkippedLogLines int
}

// Requests sums the agent requests of the command's sessions.
func (c Command) Requests() int64 {
	var n int64
	for _, s := range c.Sessions {
		if s != nil {
			n += s.Requests
		}
	}
	return n
}

// Reloads sums the HAProxy reloads of the command's sessions.
func (c Command) Reloads() int64 {
	var n int64
	for _, s := range c.Sessions {
		if s != nil {
			n += s.Reloads
		}
	}
	return n
}

// Pipeline sums the HAProxy change batches of the command's sessions; nil
// when none had any.
func (c Command) Pipeline() *api.PipelineStats {
	var sum *api.PipelineStats
	for _, s := range c.Sessions {
		if s == nil || s.Pipeline == nil {
			continue
		}
		if sum == nil {
			sum = &api.PipelineStats{}
		}
		sum.Add(*s.Pipeline)
	}
	return sum
}

// pipelineNote says where the agent's batches of one command spent their
// time (issue 15's breakdown: haproxy -c, the reload and its confirmation).
func pipelineNote(p *api.PipelineStats) string {
	sec := func(ms int64) string { return fmt.Sprintf("%.1fs", float64(ms)/1000) }
	return fmt.Sprintf("%d batches of %.1f changes (largest %d): gather %s, lock %s, transaction %s (haproxy -c %s), reload and confirmation %s; map entries set again after a reload %d",
		p.Batches, float64(p.Changes)/float64(p.Batches), p.Largest, sec(p.GatherMS), sec(p.LockMS), sec(p.TransactionMS), sec(p.CheckMS), sec(p.ReloadMS), p.Resent)
}

// AgentRSSKiB is the largest peak RSS of the command's agent sessions.
func (c Command) AgentRSSKiB() int64 {
	var n int64
	for _, s := range c.Sessions {
		if s != nil {
			n = max(n, s.PeakRSSKiB)
		}
	}
	return n
}

// Found is the number of connections whose agent session was found.
func (c Command) Found() int {
	n := 0
	for _, s := range c.Sessions {
		if s != nil {
			n++
		}
	}
	return n
}

// LastSessionSpan is how long the command's last agent session (the apply
// walk's) lasted, from the agent's start to its end.
func (c Command) LastSessionSpan() (time.Duration, bool) {
	if len(c.Sessions) == 0 || c.Sessions[len(c.Sessions)-1] == nil {
		return 0, false
	}
	s := c.Sessions[len(c.Sessions)-1]
	start, err1 := time.Parse(time.RFC3339Nano, s.Started)
	end, err2 := time.Parse(time.RFC3339Nano, s.Ended)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return end.Sub(start), true
}

// walks shows the requests of each session (one per provider process,
// that is per terraform graph walk), e.g. "2 (6+1003)"; "?" where a
// connection's session was not found.
func (c Command) walks() string {
	parts := make([]string, len(c.Sessions))
	for i, s := range c.Sessions {
		if s == nil {
			parts[i] = "?"
		} else {
			parts[i] = strconv.FormatInt(s.Requests, 10)
		}
	}
	return fmt.Sprintf("%d (%s)", c.Found(), strings.Join(parts, "+"))
}

func durations(ss []Sample) []time.Duration {
	out := make([]time.Duration, len(ss))
	for i, s := range ss {
		out[i] = s.Duration
	}
	return out
}

func counts(ss []Sample, f func(Sample) int64) (Range, bool) {
	vs := make([]int64, len(ss))
	for i, s := range ss {
		vs[i] = f(s)
	}
	return rangeOf(vs)
}

// The row's statistics.
func (r *Row) floorStat() Stat      { return statOf(durations(r.Floor)) }
func (r *Row) frameworkStat() Stat  { return statOf(durations(r.Framework)) }
func (r *Row) switchyardStat() Stat { return statOf(durations(r.Switchyard)) }

func (r *Row) ssh() (Range, bool) {
	return counts(r.Switchyard, func(s Sample) int64 { return int64(s.SSH) })
}
func (r *Row) sessions() (Range, bool) {
	return counts(r.Switchyard, func(s Sample) int64 { return int64(s.Found()) })
}
func (r *Row) requests() (Range, bool) {
	return counts(r.Switchyard, func(s Sample) int64 { return s.Requests() })
}
func (r *Row) reloads() (Range, bool) {
	return counts(r.Switchyard, func(s Sample) int64 { return s.Reloads() })
}

// CountsVary names the counts that differed between the repeats.
func (r *Row) CountsVary() []string {
	var out []string
	for _, c := range []struct {
		name string
		f    func() (Range, bool)
	}{{"ssh", r.ssh}, {"sessions", r.sessions}, {"requests", r.requests}, {"reloads", r.reloads}} {
		if rg, ok := c.f(); ok && !rg.Same() {
			out = append(out, c.name+" "+rg.String())
		}
	}
	return out
}

func (r *Row) label() string {
	if r.N == 0 && r.Entries > 1 {
		return fmt.Sprintf("%s, %d entries", r.Name, r.Entries)
	}
	return r.Name
}

// mib prints the largest of ks as MiB, "-" when none is known.
func mib(ks []int64) string {
	m := int64(0)
	for _, k := range ks {
		m = max(m, k)
	}
	if m == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", float64(m)/1024)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }

// row is one table row.
func (r *Row) row() []string {
	n, bound := "-", "-"
	if r.N > 0 {
		n = strconv.Itoa(r.N)
	}
	if r.ReloadBound > 0 {
		bound = strconv.Itoa(r.ReloadBound)
	} else if r.N == 0 || r.Name == cmdChange {
		bound = "0" // runtime changes: no reload at all
	}
	rs := func(f func() (Range, bool)) string {
		if rg, ok := f(); ok {
			return rg.String()
		}
		return "-"
	}
	walks := "-"
	if len(r.Switchyard) > 0 {
		walks = r.Switchyard[0].walks()
		for _, s := range r.Switchyard[1:] {
			if s.walks() != walks {
				walks += " (varies)"
				break
			}
		}
	}
	var prov, agent []int64
	for _, s := range r.Switchyard {
		prov = append(prov, s.ProviderRSSKiB)
		agent = append(agent, s.AgentRSSKiB())
	}
	live := "-"
	if r.Name == cmdChange && len(r.Switchyard) > 0 {
		var ds []time.Duration
		missed := 0
		for _, s := range r.Switchyard {
			if s.LiveOK {
				ds = append(ds, s.Live)
			} else {
				missed++
			}
		}
		if st := statOf(ds); st.N == 1 {
			live = ms(st.Median)
		} else if st.N > 1 {
			live = fmt.Sprintf("%s (%s–%s)", ms(st.Median), ms(st.Min), ms(st.Max))
		}
		if missed > 0 {
			live += fmt.Sprintf(" %d not live", missed)
		}
	}
	fl, fw, sy := r.floorStat(), r.frameworkStat(), r.switchyardStat()
	return []string{
		n, strconv.Itoa(r.Resources), r.label(), sy.String(), fw.String(), fl.String(),
		ratioString(ratio(sy, fl)), ratioString(ratio(fw, fl)),
		rs(r.ssh), walks, rs(r.requests), rs(r.reloads), bound, mib(prov), mib(agent), live,
	}
}

var header = []string{
	"N", "resources", "command", "switchyard", "framework", "floor", "ratio", "framework ratio",
	"ssh", "sessions (requests per walk)", "requests", "reloads", "reload bound",
	"provider MiB", "agent MiB", "live after (ms)",
}

// Targets are issue 15's targets, judged at the largest N of the run.
func (r *Report) Targets() []Target {
	largest := 0
	for _, row := range r.Rows {
		largest = max(largest, row.N)
	}
	find := func(n int, name string) *Row {
		for _, row := range r.Rows {
			if row.N == n && row.Name == name && len(row.Switchyard) > 0 {
				return row
			}
		}
		return nil
	}
	at := fmt.Sprintf(" (N=%d)", largest)
	var out []Target
	rt := func(name, cmd string, bound float64) {
		row := find(largest, cmd)
		if row == nil {
			out = append(out, Target{Name: name + at, Measured: "not measured", Verdict: "unknown"})
			return
		}
		out = append(out, ratioTarget(name+at, row.switchyardStat(), row.floorStat(), bound))
	}
	rt("no-change plan ≤ 1.5× floor", cmdPlan, 1.5)
	rt("apply from empty ≤ 3× floor", cmdApply, 3)
	rt("destroy ≤ 3× floor", cmdDestroy, 3)
	rt("one backend changed ≤ 2× floor (one terraform_data change among 2N+1)", cmdChange, 2)
	if row := find(largest, cmdChange); row != nil {
		var ds []time.Duration
		notLive := 0
		for _, s := range row.Switchyard {
			if s.LiveOK {
				ds = append(ds, s.Live)
			} else {
				notLive++
			}
		}
		t := durationTarget("one backend changed: live in HAProxy ≤ 1 s after the apply"+at, ds, time.Second)
		if notLive > 0 {
			t.Met, t.Known = false, true
			t.Verdict = fmt.Sprintf("missed: %d of %d repeats not live within the poll's bound", notLive, len(row.Switchyard))
		}
		out = append(out, t)
	}
	for _, row := range r.Rows {
		if row.Name != cmdApply || row.ReloadBound == 0 {
			continue
		}
		if rg, ok := row.reloads(); ok {
			out = append(out, countTarget(fmt.Sprintf("reloads per apply ≤ ⌈N/parallelism⌉+2 (N=%d)", row.N), rg.Max, int64(row.ReloadBound),
				fmt.Sprintf("%s vs bound %d", rg, row.ReloadBound)))
		}
	}
	var runtime []string
	var worst int64
	for _, row := range r.Rows {
		if row.N != 0 && row.Name != cmdChange {
			continue
		}
		if rg, ok := row.reloads(); ok {
			name := row.label()
			if row.N > 0 {
				name = fmt.Sprintf("N=%d %s", row.N, row.Name)
			}
			runtime = append(runtime, fmt.Sprintf("%s: %s", name, rg))
			worst = max(worst, rg.Max)
		}
	}
	if len(runtime) > 0 {
		out = append(out, countTarget("0 reloads for changes HAProxy takes at runtime", worst, 0, strings.Join(runtime, "; ")))
	}
	// One SSH connection and one agent session per terraform walk: the
	// worst command over every row and repeat.
	var excess int64
	var bad []string
	for _, row := range r.Rows {
		for _, s := range row.Switchyard {
			over := int64(s.SSH - walksOf(row.Name))
			if miss := int64(s.SSH - s.Found()); miss > over {
				over = miss
			}
			if over > 0 {
				excess = max(excess, over)
				bad = append(bad, fmt.Sprintf("N=%d %s: %d ssh, %d sessions for %d walks", row.N, row.label(), s.SSH, s.Found(), walksOf(row.Name)))
			}
		}
	}
	m := "every command: ssh connections ≤ walks, one session each"
	if len(bad) > 0 {
		m = strings.Join(slices.Compact(bad), "; ")
	}
	out = append(out, countTarget("one SSH connection and one agent session per machine per terraform walk", excess, 0, m))
	var sent, failed int64
	loops := 0
	for _, row := range r.Rows {
		for _, s := range row.Switchyard {
			if s.Probe != nil {
				loops++
				sent += s.Probe.Sent
				failed += s.Probe.Failed
			}
		}
	}
	if loops > 0 {
		out = append(out, countTarget("0 failed requests during every benchmarked apply", failed, 0,
			fmt.Sprintf("%d failed of %d over %d applies", failed, sent, loops)))
	}
	return out
}

// notes are the facts below the table.
func (r *Report) notes() []string {
	var out []string
	for _, row := range r.Rows {
		for i, s := range row.Switchyard {
			if p := s.Probe; p != nil {
				line := fmt.Sprintf("request loop during the N=%d apply, repeat %d: %d sent, %d failed (%d clients, keep-alive off, %s)",
					row.N, i+1, p.Sent, p.Failed, p.Clients, p.Duration.Round(time.Millisecond))
				if p.FirstError != "" {
					line += "; first failure: " + p.FirstError
				}
				out = append(out, line)
			}
		}
		for i, s := range row.Switchyard {
			if p := s.Pipeline(); p != nil && row.N > 0 {
				out = append(out, fmt.Sprintf("N=%d %s, repeat %d, the agent's batches: %s", row.N, row.label(), i+1, pipelineNote(p)))
			}
		}
		if vary := row.CountsVary(); len(vary) > 0 {
			out = append(out, fmt.Sprintf("N=%d %s: counts differ between repeats: %s", row.N, row.label(), strings.Join(vary, ", ")))
		}
		if row.N == 0 && len(row.Switchyard) > 0 {
			var spans []string
			for _, s := range row.Switchyard {
				if d, ok := s.LastSessionSpan(); ok {
					spans = append(spans, d.Round(time.Millisecond).String())
				} else {
					spans = append(spans, "unknown")
				}
			}
			out = append(out, fmt.Sprintf("%s: entries live in HAProxy after the apply per repeat %v of %d; the apply walk's agent session lasted %s (an upper bound of the change on the machine); HAProxy workers kept (no reload by anyone) per repeat %v",
				row.label(), row.Verified, row.Entries, strings.Join(spans, ", "), row.WorkersKept))
		}
	}
	if r.ProfileRoot != "" {
		out = append(out, fmt.Sprintf("provider profiles of every run: %s/n=<N>-<command>-<switchyard|framework>-r<repeat>/cpu-<pid>.pprof (and heap-<pid>.pprof, mem-<pid>.txt; one set per provider process, i.e. per graph walk): go tool pprof -top <provider binary> <file>", r.ProfileRoot))
	}
	out = append(out,
		fmt.Sprintf("machine %s, terraform -parallelism=%d, each command %d× interleaved floor/framework/switchyard; times: median (min–max) in seconds", r.Machine, r.Parallelism, r.Repeat),
		"floor = the same number of terraform_data resources (2N+1: N backends + N map entries + 1 map); framework = the same Switchyard configuration on the null provider (Switchyard's schemas, validators and plan modifiers, no remote work); ratio = switchyard/floor, framework ratio = framework/floor (medians)",
		"ssh = connections sshd accepted with the run's own key; sessions = agent sessions found in the session log for them (one per provider process, i.e. per terraform graph walk); counts as a range over the repeats when they differ",
		"provider MiB = the largest peak RSS (VmHWM) of the command's provider processes (SWITCHYARD_PPROF), agent MiB = the largest of its agent sessions (session log), worst over the repeats; live after = ms from the apply's end until the machine's HAProxy served the changed backend (received the second of 3 answers in a row from the new port, the first the old round robin cannot give: an upper bound by one HTTP round trip and one poll), median (min–max)",
	)
	return out
}

// WriteText writes the report as plain text tables.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, row := range r.Rows {
		_, _ = fmt.Fprintln(tw, strings.Join(row.row(), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range r.notes() {
		if _, err := fmt.Fprintln(w, "- "+n); err != nil {
			return err
		}
	}
	_, _ = fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "target (issue 15)\tmeasured\tverdict")
	for _, t := range r.Targets() {
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\n", t.Name, t.Measured, t.Verdict)
	}
	return tw.Flush()
}

// WriteMarkdown writes the same tables as Markdown, for docs/performance.md.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| " + strings.Join(header, " | ") + " |\n")
	b.WriteString("|" + strings.Repeat(" --- |", len(header)) + "\n")
	for _, row := range r.Rows {
		b.WriteString("| " + strings.Join(row.row(), " | ") + " |\n")
	}
	b.WriteString("\n")
	for _, n := range r.notes() {
		b.WriteString("- " + n + "\n")
	}
	b.WriteString("\n| target (issue 15) | measured | verdict |\n| --- | --- | --- |\n")
	for _, t := range r.Targets() {
		v := t.Verdict
		if t.Met {
			v = "**met**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", t.Name, t.Measured, v)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
