// Package bench is `make bench`: it measures what a terraform apply, a
// no-change plan, a drift check, one changed backend and a destroy cost with
// Switchyard against a lab machine, next to two references: the same
// commands on as many terraform_data resources (Terraform's own floor) and
// the same Switchyard configuration on the null provider (the framework's
// cost: Switchyard's schemas and plan logic without remote work). It reports
// what the machine saw (SSH connections, agent sessions, agent requests,
// HAProxy reloads), the provider's and the agent's peak memory, how long a
// changed backend takes to be served, and issue 15's targets. It also times
// replacing every entry of a large map and changing one map entry, and runs
// a request loop against the machine's HAProxy during the largest applies.
// Every command runs Options.Repeat times, interleaved with its references.
//
// Everything it creates is named with its prefix and destroyed at the end,
// also after a failure.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
	"github.com/switchyard/terraform-provider-switchyard/internal/tfrun"
)

// Options for Run. Zero values get the defaults of `make bench`.
type Options struct {
	Machine     lab.Machine
	Sizes       []int // N: backends (and map entries) per configuration; default 10, 100, 500
	Parallelism int   // terraform -parallelism; default 10
	MapEntries  int   // entries of the map replaced at once; default 1000
	Repeat      int   // runs of each command (and of each reference); default 3
	Prefix      string
	// Request loop during the applies of the largest N.
	ProbeClients     int
	ProbeMaxRequests int64
	ProbeMaxTime     time.Duration
	// Passed to tfrun (empty: its defaults).
	Terraform, ProviderDir string
	// NullProviderDir holds the null provider built as
	// terraform-provider-switchyard (cmd/switchyard-nullprovider); empty:
	// Run builds it into a temporary directory.
	NullProviderDir string
	// ProfileDir receives a new directory per run, holding one
	// SWITCHYARD_PPROF directory per provider command, kept after the run
	// for `go tool pprof`; empty: the system's temporary directory.
	ProfileDir string
	Log        io.Writer // progress lines; default discard
}

func (o *Options) setDefaults() {
	if len(o.Sizes) == 0 {
		o.Sizes = []int{10, 100, 500}
	}
	if o.Parallelism <= 0 {
		o.Parallelism = 10
	}
	if o.MapEntries <= 0 {
		o.MapEntries = 1000
	}
	if o.Repeat <= 0 {
		o.Repeat = 3
	}
	if o.Prefix == "" {
		o.Prefix = "bench-"
	}
	if o.ProbeClients <= 0 {
		o.ProbeClients = 4
	}
	if o.ProbeMaxRequests <= 0 {
		o.ProbeMaxRequests = 20000
	}
	if o.ProbeMaxTime <= 0 {
		o.ProbeMaxTime = 10 * time.Minute
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
}

// runner holds one run's state.
type runner struct {
	o      Options
	key    runKey
	tree   string
	vars   map[string]any // the machine's provider settings, with the run's key
	report *Report
}

// Run runs the benchmark and returns its report. The report is returned
// (partly filled) also with an error.
func Run(ctx context.Context, o Options) (rep *Report, err error) {
	o.setDefaults()
	sizes := slices.Clone(o.Sizes)
	slices.Sort(sizes)
	o.Sizes = slices.Compact(sizes)
	r := &runner{o: o, report: &Report{
		Started: time.Now().UTC(), Machine: o.Machine.Name, Parallelism: o.Parallelism, MapEntries: o.MapEntries,
		Repeat: o.Repeat, Prefix: o.Prefix,
	}}

	dir, err := os.MkdirTemp("", "switchyard-bench-")
	if err != nil {
		return r.report, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	// A directory of the run's own under ProfileDir: the peak RSS of a
	// command is the largest of its directory's files, which must not mix
	// with another run's.
	if r.o.ProfileDir != "" {
		if err := os.MkdirAll(r.o.ProfileDir, 0o755); err != nil {
			return r.report, err
		}
	}
	if r.o.ProfileDir, err = os.MkdirTemp(r.o.ProfileDir, "switchyard-bench-pprof-"+r.report.Started.Format("20060102T150405Z")+"-"); err != nil {
		return r.report, err
	}
	r.report.ProfileRoot = r.o.ProfileDir
	if r.o.NullProviderDir == "" {
		r.logf("building the null provider")
		if r.o.NullProviderDir, err = BuildNullProvider(ctx, filepath.Join(dir, "nullprovider")); err != nil {
			return r.report, err
		}
	}
	r.tree = dir + "/configs"
	if err := writeTree(r.tree, o.Prefix, o.Sizes); err != nil {
		return r.report, err
	}
	tag := make([]byte, 4)
	_, _ = rand.Read(tag)
	if r.key, err = newRunKey(dir, hex.EncodeToString(tag)); err != nil {
		return r.report, err
	}
	r.report.KeyFingerprint = r.key.fingerprint
	r.vars = map[string]any{"host": o.Machine.Address, "private_key_file": r.key.path, "host_key": o.Machine.HostKey}

	// Cleanup runs on a context of its own: it must also run when ctx was
	// cancelled (Ctrl-C) or timed out.
	cleanup := func(f func(context.Context) error) {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Minute)
		defer cancel()
		if cerr := f(cctx); cerr != nil {
			err = errors.Join(err, fmt.Errorf("cleanup: %w", cerr))
		}
	}

	if err := r.key.authorize(ctx, o.Machine); err != nil {
		return r.report, fmt.Errorf("authorize the run's SSH key on %s: %w", o.Machine.Name, err)
	}
	defer cleanup(func(c context.Context) error { return r.key.revoke(c, o.Machine) })

	fixture, err := r.workspace(ctx, fixtureModule)
	if err != nil {
		return r.report, err
	}
	fixtureVars := func(gen int, one string) error {
		return fixture.WriteVars(r.withVars(map[string]any{"swap_entries": o.MapEntries, "swap_generation": gen, "one_value": one}))
	}
	if err := fixtureVars(0, "v0"); err != nil {
		return r.report, err
	}
	r.logf("setup: %s (probe backend %sprobe, map %sswap of %d entries)", fixtureModule, o.Prefix, o.Prefix, o.MapEntries)
	if _, err := fixture.Apply(ctx); err != nil {
		cleanup(func(c context.Context) error { return r.destroy(c, fixture) })
		return r.report, fmt.Errorf("setup: %w", err)
	}
	defer cleanup(func(c context.Context) error {
		var paths map[string]json.RawMessage
		paths, _ = fixture.Output(c)
		if err := r.destroy(c, fixture); err != nil {
			return err
		}
		var p string
		if json.Unmarshal(paths["entries_path"], &p) == nil && p != "" {
			return removeIfEmpty(c, o.Machine, p)
		}
		return nil
	})

	// The request loop is only a witness if the probe backend answers
	// before any change: check one request now.
	if err := probeOnce(ctx, &http.Client{Timeout: 5 * time.Second}, r.probeURL(), o.Prefix+"probe"); err != nil {
		return r.report, fmt.Errorf("probe backend %sprobe does not answer on %s: %w", o.Prefix, r.probeURL(), err)
	}
	if err := r.mapChanges(ctx, fixture, fixtureVars); err != nil {
		return r.report, err
	}
	for _, n := range o.Sizes {
		if err := r.size(ctx, n, n == o.Sizes[len(o.Sizes)-1]); err != nil {
			return r.report, fmt.Errorf("size N=%d: %w", n, err)
		}
	}
	return r.report, nil
}

// BuildNullProvider builds cmd/switchyard-nullprovider from this module as
// dir/terraform-provider-switchyard (the name a dev override looks for) and
// returns dir. Like tfrun's provider build it needs `make agent` first: the
// null provider links the real provider's package, which embeds the agents.
func BuildNullProvider(ctx context.Context, dir string) (string, error) {
	root, err := tfrun.ModuleRoot()
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", filepath.Join(dir, "terraform-provider-switchyard"), "./internal/bench/cmd/switchyard-nullprovider")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the null provider: %v\n%s", err, out)
	}
	return dir, nil
}

func (r *runner) logf(format string, args ...any) {
	_, _ = fmt.Fprintf(r.o.Log, "%s bench: %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func (r *runner) withVars(extra map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range r.vars {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

func (r *runner) workspace(ctx context.Context, module string) (*tfrun.Workspace, error) {
	return tfrun.NewWorkspace(ctx, r.tree, module, tfrun.Options{Terraform: r.o.Terraform, ProviderDir: r.o.ProviderDir})
}

func (r *runner) nullWorkspace(ctx context.Context, module string) (*tfrun.Workspace, error) {
	return tfrun.NewWorkspace(ctx, r.tree, module, tfrun.Options{Terraform: r.o.Terraform, ProviderDir: r.o.NullProviderDir})
}

func (r *runner) par() string { return "-parallelism=" + strconv.Itoa(r.o.Parallelism) }

func (r *runner) destroy(ctx context.Context, w *tfrun.Workspace) error {
	_, err := w.Destroy(ctx, r.par())
	return err
}

// tfCommand is one timed terraform command on a workspace.
type tfCommand func(w *tfrun.Workspace) (tfrun.Result, error)

// profiled runs cmd with a SWITCHYARD_PPROF directory of its own (named
// after the row, the reference and the repeat) and reads the peak RSS of
// the provider processes it started.
func (r *runner) profiled(label string, w *tfrun.Workspace, cmd tfCommand) (Sample, error) {
	dir := filepath.Join(r.o.ProfileDir, label)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Sample{}, err
	}
	res, err := cmd(w.WithEnv("SWITCHYARD_PPROF=" + dir))
	s := Sample{Command: Command{Name: label, Duration: res.Duration}, ProfileDir: dir}
	s.ProviderRSSKiB = providerPeakRSS(dir)
	return s, err
}

// providerPeakRSS is the largest peak_rss_kib of the mem-<pid>.txt files
// in dir (internal/profiling); 0 when none could be read.
func providerPeakRSS(dir string) int64 {
	files, _ := filepath.Glob(filepath.Join(dir, "mem-*.txt"))
	var peak int64
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var kib int64
		if _, err := fmt.Sscanf(string(b), "peak_rss_kib %d", &kib); err == nil {
			peak = max(peak, kib)
		}
	}
	return peak
}

// observe runs one Switchyard command (profiled) and reads what the
// machine saw.
func (r *runner) observe(ctx context.Context, label string, w *tfrun.Workspace, cmd tfCommand) (Sample, error) {
	mk, err := markNow(ctx, r.o.Machine)
	if err != nil {
		return Sample{Command: Command{Name: label}}, err
	}
	s, err := r.profiled(label, w, cmd)
	if err != nil {
		return s, err
	}
	obs, err := collect(ctx, r.o.Machine, r.key, mk)
	if err != nil {
		return s, fmt.Errorf("%s: reading the machine's logs: %w", label, err)
	}
	// The provider writes its profile files when it exits, which terraform
	// waits for; read them again in case the last one came late.
	s.ProviderRSSKiB = max(s.ProviderRSSKiB, providerPeakRSS(s.ProfileDir))
	s.SSH = len(obs.conns)
	for _, ses := range obs.sessions {
		if ses == nil {
			s.Sessions = append(s.Sessions, nil)
			continue
		}
		rec := ses.SessionRecord
		s.Sessions = append(s.Sessions, &rec)
	}
	s.SkippedLogLines = obs.skipped
	r.logf("%s: %s, ssh %d, sessions %s, reloads %d", label, s.Duration.Round(time.Millisecond), s.SSH, s.walks(), s.Reloads())
	return s, nil
}

// floor times one terraform_data command (no provider: nothing to profile).
func (r *runner) floor(label string, w *tfrun.Workspace, cmd tfCommand) (Sample, error) {
	res, err := cmd(w)
	if err != nil {
		return Sample{}, fmt.Errorf("floor %s: %w", label, err)
	}
	r.logf("%s: %s", label, res.Duration.Round(time.Millisecond))
	return Sample{Command: Command{Name: label, Duration: res.Duration}}, nil
}

// framework times one command on the null provider.
func (r *runner) framework(label string, w *tfrun.Workspace, cmd tfCommand) (Sample, error) {
	s, err := r.profiled(label, w, cmd)
	if err != nil {
		return s, fmt.Errorf("framework %s: %w", label, err)
	}
	r.logf("%s: %s", label, s.Duration.Round(time.Millisecond))
	return s, nil
}

func slug(s string) string {
	out := []rune{}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '=':
			out = append(out, c)
		default:
			if len(out) > 0 && out[len(out)-1] != '-' {
				out = append(out, '-')
			}
		}
	}
	return strings.Trim(string(out), "-")
}

func label(n int, cmd, ref string, rep int) string {
	return slug(fmt.Sprintf("n=%d %s %s r%d", n, cmd, ref, rep+1))
}

// mapChanges: every entry of the fixture's map replaced in one apply, then
// one map entry changed, each timed end to end through terraform, Repeat
// times with a new value each time, next to the floor of one change.
func (r *runner) mapChanges(ctx context.Context, fixture *tfrun.Workspace, vars func(int, string) error) error {
	floorW, err := r.workspace(ctx, fixtureFloor)
	if err != nil {
		return err
	}
	if _, err := floorW.Apply(ctx, r.par()); err != nil {
		return fmt.Errorf("floor setup: %w", err)
	}
	defer func() { _ = r.destroy(context.WithoutCancel(ctx), floorW) }()
	floorApply := func(v string) tfCommand {
		return func(w *tfrun.Workspace) (tfrun.Result, error) {
			return w.Apply(ctx, r.par(), "-var", "one_value="+v)
		}
	}
	apply := func(w *tfrun.Workspace) (tfrun.Result, error) { return w.Apply(ctx, r.par()) }
	out, err := fixture.Output(ctx)
	if err != nil {
		return err
	}
	var swapPath, entriesPath string
	if err := errors.Join(json.Unmarshal(out["swap_path"], &swapPath), json.Unmarshal(out["entries_path"], &entriesPath)); err != nil {
		return fmt.Errorf("fixture outputs: %w", err)
	}
	sw := &Row{Name: cmdSwap, Resources: 3, Entries: r.o.MapEntries}
	one := &Row{Name: cmdOneEntry, Resources: 3, Entries: 1}
	r.report.Rows = append(r.report.Rows, sw, one)

	for rep := range r.o.Repeat {
		gen := rep + 1
		// Every entry changes value: g<gen-1>-i -> g<gen>-i.
		fs, err := r.floor(label(0, cmdSwap, "floor", rep), floorW, floorApply(fmt.Sprintf("s%d", gen)))
		if err != nil {
			return err
		}
		sw.Floor = append(sw.Floor, fs)
		before, err := workers(ctx, r.o.Machine)
		if err != nil {
			return err
		}
		if err := vars(gen, fmt.Sprintf("v%d", gen-1)); err != nil {
			return err
		}
		s, err := r.observe(ctx, label(0, cmdSwap, "switchyard", rep), fixture, apply)
		if err != nil {
			return err
		}
		sw.Switchyard = append(sw.Switchyard, s)
		after, err := workers(ctx, r.o.Machine)
		if err != nil {
			return err
		}
		sw.WorkersKept = append(sw.WorkersKept, len(before) > 0 && slices.Equal(before, after))
		live, err := runtimeMap(ctx, r.o.Machine, swapPath)
		if err != nil {
			return err
		}
		verified := 0
		for i := range r.o.MapEntries {
			if live[fmt.Sprintf("k%05d", i)] == fmt.Sprintf("g%d-%d", gen, i) {
				verified++
			}
		}
		sw.Verified = append(sw.Verified, verified)

		// One map entry: v<gen-1> -> v<gen>.
		fs, err = r.floor(label(0, cmdOneEntry, "floor", rep), floorW, floorApply(fmt.Sprintf("o%d", gen)))
		if err != nil {
			return err
		}
		one.Floor = append(one.Floor, fs)
		if before, err = workers(ctx, r.o.Machine); err != nil {
			return err
		}
		value := fmt.Sprintf("v%d", gen)
		if err := vars(gen, value); err != nil {
			return err
		}
		if s, err = r.observe(ctx, label(0, cmdOneEntry, "switchyard", rep), fixture, apply); err != nil {
			return err
		}
		one.Switchyard = append(one.Switchyard, s)
		if after, err = workers(ctx, r.o.Machine); err != nil {
			return err
		}
		one.WorkersKept = append(one.WorkersKept, len(before) > 0 && slices.Equal(before, after))
		if live, err = runtimeMap(ctx, r.o.Machine, entriesPath); err != nil {
			return err
		}
		verified = 0
		if live[r.o.Prefix+"one"] == value {
			verified = 1
		}
		one.Verified = append(one.Verified, verified)
	}
	return nil
}

// size runs, Repeat times, apply, plan, drift check, one changed backend
// and destroy for N, each command on the floor, on the null provider and
// on Switchyard in turn (with the request loop during the apply when
// probe).
func (r *runner) size(ctx context.Context, n int, probe bool) (err error) {
	rows := map[string]*Row{}
	for _, name := range []string{cmdApply, cmdPlan, cmdDrift, cmdChange, cmdDestroy} {
		row := &Row{N: n, Resources: switchyardResources(n), Name: name}
		if name == cmdApply {
			row.ReloadBound = (n+r.o.Parallelism-1)/r.o.Parallelism + 2
		}
		rows[name] = row
		r.report.Rows = append(r.report.Rows, row)
	}
	fw, err := r.workspace(ctx, floorModule(n))
	if err != nil {
		return err
	}
	nw, err := r.nullWorkspace(ctx, sizeModule(n))
	if err != nil {
		return err
	}
	w, err := r.workspace(ctx, sizeModule(n))
	if err != nil {
		return err
	}
	// What is on the machine is destroyed also after a failure; the floor
	// and the null provider leave only local state.
	live := false
	defer func() {
		if live {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Minute)
			defer cancel()
			if derr := r.destroy(cctx, w); derr != nil {
				err = errors.Join(err, fmt.Errorf("cleanup: %w", derr))
			}
		}
	}()
	setChanged := func(changed bool) error {
		v := r.withVars(map[string]any{"changed": changed})
		return errors.Join(w.WriteVars(v), nw.WriteVars(v))
	}
	apply := func(extra ...string) tfCommand {
		return func(w *tfrun.Workspace) (tfrun.Result, error) {
			return w.Apply(ctx, append([]string{r.par()}, extra...)...)
		}
	}
	destroy := func(w *tfrun.Workspace) (tfrun.Result, error) { return w.Destroy(ctx, r.par()) }
	// step runs one command on the three references in turn.
	step := func(rep int, name string, floorCmd, cmd, syCmd tfCommand) error {
		row := rows[name]
		s, err := r.floor(label(n, name, "floor", rep), fw, floorCmd)
		if err != nil {
			return err
		}
		row.Floor = append(row.Floor, s)
		if s, err = r.framework(label(n, name, "framework", rep), nw, cmd); err != nil {
			return err
		}
		row.Framework = append(row.Framework, s)
		if name == cmdApply {
			live = true
		}
		s, err = r.observe(ctx, label(n, name, "switchyard", rep), w, syCmd)
		row.Switchyard = append(row.Switchyard, s)
		return err
	}

	for rep := range r.o.Repeat {
		if err := setChanged(false); err != nil {
			return err
		}
		syApply := apply()
		var probed *Probe
		if probe {
			syApply = r.withProbe(ctx, &probed, syApply)
		}
		if err := step(rep, cmdApply, apply(), apply(), syApply); err != nil {
			return err
		}
		last := &rows[cmdApply].Switchyard[len(rows[cmdApply].Switchyard)-1]
		last.Probe = probed
		if err := step(rep, cmdPlan, r.plan(ctx), r.plan(ctx), r.plan(ctx)); err != nil {
			return err
		}
		if err := step(rep, cmdDrift, r.drift(ctx), r.drift(ctx), r.drift(ctx)); err != nil {
			return err
		}
		if err := setChanged(true); err != nil {
			return err
		}
		var liveAfter time.Duration
		liveOK := false
		syChange := func(w *tfrun.Workspace) (tfrun.Result, error) {
			res, err := w.Apply(ctx, r.par())
			if err == nil {
				liveAfter, liveOK = r.pollLive(ctx)
			}
			return res, err
		}
		if err := step(rep, cmdChange, apply("-var", fmt.Sprintf("one=b%d", rep)), apply(), syChange); err != nil {
			return err
		}
		last = &rows[cmdChange].Switchyard[len(rows[cmdChange].Switchyard)-1]
		last.Live, last.LiveOK = liveAfter, liveOK
		r.logf("N=%d one backend changed: live after %s (%t)", n, liveAfter.Round(time.Millisecond), liveOK)
		if err := step(rep, cmdDestroy, destroy, destroy, destroy); err != nil {
			return err
		}
		live = false
	}
	return nil
}

// plan runs a plan that must find nothing to do (exit 0).
func (r *runner) plan(ctx context.Context) tfCommand {
	return func(w *tfrun.Workspace) (tfrun.Result, error) {
		p, err := w.Plan(ctx, r.par())
		if err == nil && p.ExitCode != 0 {
			err = fmt.Errorf("the plan after apply is not empty (exit %d): changed %v, drifted %v", p.ExitCode, p.Changed, p.Drifted)
		}
		return p.Result, err
	}
}

// drift is the check users schedule: `terraform plan -detailed-exitcode`
// of the whole configuration, no saved plan; it must exit 0.
func (r *runner) drift(ctx context.Context) tfCommand {
	return func(w *tfrun.Workspace) (tfrun.Result, error) {
		res, err := w.Run(ctx, "plan", "-detailed-exitcode", "-no-color", "-input=false", r.par())
		if err == nil && res.ExitCode != 0 {
			err = fmt.Errorf("drift check: exit %d, want 0\n%s", res.ExitCode, res.String())
		}
		return res, err
	}
}

// liveWant is how many answers in a row from changedPort count as "HAProxy
// serves the change": round robin over the three old ports gives at most
// one in a row, so two prove it and the third confirms it.
const (
	liveWant  = 3
	livePoll  = 10 * time.Millisecond
	liveBound = 10 * time.Second
)

// pollLive sends requests for the changed backend from the apply's end
// until liveWant answers in a row come from changedPort, and returns the
// time from its start until the second of them was received, the first
// that the old configuration cannot have given (false: not within
// liveBound).
func (r *runner) pollLive(ctx context.Context) (time.Duration, bool) {
	return pollLive(ctx, r.probeURL(), changedBackend(r.o.Prefix), changedPort, liveBound)
}

func pollLive(ctx context.Context, url, backend string, port int, bound time.Duration) (time.Duration, bool) {
	start := time.Now()
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}}
	want := fmt.Sprintf("lab-app %d ", port)
	streak := 0
	var first time.Duration
	for time.Since(start) < bound && ctx.Err() == nil {
		body, err := fetchBody(ctx, client, url, backend)
		// Taken when the answer is in: an upper bound, one request's round
		// trip above the moment HAProxy served the change.
		at := time.Since(start)
		if err == nil && strings.HasPrefix(body, want) {
			// The first answer of a streak may still be the old round
			// robin's turn of that port; the second in a row cannot be.
			if streak++; streak == 2 {
				first = at
			}
			if streak == liveWant {
				return first, true
			}
		} else {
			streak = 0
		}
		time.Sleep(livePoll)
	}
	return time.Since(start), false
}

func (r *runner) probeURL() string {
	return "http://" + net.JoinHostPort(r.o.Machine.Address, strconv.Itoa(lab.FrontendPort)) + "/bench"
}

// withProbe wraps apply with the request loop, which runs from just
// before the apply starts until it ends (or the loop's own bounds).
func (r *runner) withProbe(ctx context.Context, out **Probe, apply tfCommand) tfCommand {
	return func(w *tfrun.Workspace) (tfrun.Result, error) {
		lctx, stop := context.WithCancel(ctx)
		done := make(chan Probe, 1)
		url := r.probeURL()
		go func() {
			done <- probeLoop(lctx, url, r.o.Prefix+"probe", r.o.ProbeClients, r.o.ProbeMaxRequests, r.o.ProbeMaxTime)
		}()
		res, err := apply(w)
		stop()
		p := <-done
		*out = &p
		r.logf("request loop: %d sent, %d failed in %s", p.Sent, p.Failed, p.Duration.Round(time.Millisecond))
		return res, err
	}
}
