// Package bench is `make bench`: it measures what a terraform apply, a
// no-change plan and a destroy cost with Switchyard against a lab machine,
// next to the same commands on as many terraform_data resources (Terraform's
// own floor), and what the machine saw: SSH connections, agent sessions,
// agent requests and HAProxy reloads per command. It also times replacing
// every entry of a large map and changing one map entry, and runs a request
// loop against the machine's HAProxy during the largest apply.
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
	"slices"
	"strconv"
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
	Prefix      string
	// Request loop during the largest apply.
	ProbeClients     int
	ProbeMaxRequests int64
	ProbeMaxTime     time.Duration
	// Passed to tfrun (empty: its defaults).
	Terraform, ProviderDir string
	Log                    io.Writer // progress lines; default discard
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
		Machine: o.Machine.Name, Parallelism: o.Parallelism, MapEntries: o.MapEntries, Prefix: o.Prefix,
	}}

	dir, err := os.MkdirTemp("", "switchyard-bench-")
	if err != nil {
		return r.report, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
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

func (r *runner) par() string { return "-parallelism=" + strconv.Itoa(r.o.Parallelism) }

func (r *runner) destroy(ctx context.Context, w *tfrun.Workspace) error {
	_, err := w.Destroy(ctx, r.par())
	return err
}

// observe runs one Switchyard command and reads what the machine saw.
func (r *runner) observe(ctx context.Context, name string, run func() (tfrun.Result, error)) (Command, error) {
	mk, err := markNow(ctx, r.o.Machine)
	if err != nil {
		return Command{Name: name}, err
	}
	res, err := run()
	c := Command{Name: name, Duration: res.Duration}
	if err != nil {
		return c, err
	}
	obs, err := collect(ctx, r.o.Machine, r.key, mk)
	if err != nil {
		return c, fmt.Errorf("%s: reading the machine's logs: %w", name, err)
	}
	c.SSH = len(obs.conns)
	for _, s := range obs.sessions {
		if s == nil {
			c.Sessions = append(c.Sessions, nil)
			continue
		}
		rec := s.SessionRecord
		c.Sessions = append(c.Sessions, &rec)
	}
	c.SkippedLogLines = obs.skipped
	r.logf("%s: %s, ssh %d, sessions %s", name, c.Duration.Round(time.Millisecond), c.SSH, c.walks())
	return c, nil
}

// floor times one terraform_data command.
func (r *runner) floor(name string, run func() (tfrun.Result, error)) (time.Duration, error) {
	res, err := run()
	if err != nil {
		return 0, fmt.Errorf("floor %s: %w", name, err)
	}
	r.logf("floor %s: %s", name, res.Duration.Round(time.Millisecond))
	return res.Duration, nil
}

// mapChanges: every entry of the fixture's map replaced in one apply, then
// one map entry changed, each timed end to end through terraform.
func (r *runner) mapChanges(ctx context.Context, fixture *tfrun.Workspace, vars func(int, string) error) error {
	floorW, err := r.workspace(ctx, fixtureFloor)
	if err != nil {
		return err
	}
	if _, err := floorW.Apply(ctx, r.par()); err != nil {
		return fmt.Errorf("floor setup: %w", err)
	}
	defer func() { _ = r.destroy(context.WithoutCancel(ctx), floorW) }()
	floorApply := func(v string) func() (tfrun.Result, error) {
		return func() (tfrun.Result, error) {
			return floorW.Apply(ctx, r.par(), "-var", "one_value="+v)
		}
	}
	out, err := fixture.Output(ctx)
	if err != nil {
		return err
	}
	var swapPath, entriesPath string
	if err := errors.Join(json.Unmarshal(out["swap_path"], &swapPath), json.Unmarshal(out["entries_path"], &entriesPath)); err != nil {
		return fmt.Errorf("fixture outputs: %w", err)
	}

	// Every entry changes value: g0-i -> g1-i.
	sw := &r.report.Swap
	sw.Entries = r.o.MapEntries
	if sw.WorkersBefore, err = workers(ctx, r.o.Machine); err != nil {
		return err
	}
	if err := vars(1, "v0"); err != nil {
		return err
	}
	if sw.Command, err = r.observe(ctx, fmt.Sprintf("map swap, %d entries", sw.Entries), func() (tfrun.Result, error) { return fixture.Apply(ctx, r.par()) }); err != nil {
		return err
	}
	if sw.WorkersAfter, err = workers(ctx, r.o.Machine); err != nil {
		return err
	}
	live, err := runtimeMap(ctx, r.o.Machine, swapPath)
	if err != nil {
		return err
	}
	for i := range r.o.MapEntries {
		if live[fmt.Sprintf("k%05d", i)] == fmt.Sprintf("g1-%d", i) {
			sw.Verified++
		}
	}
	if sw.Floor, err = r.floor("one change (map swap)", floorApply("x1")); err != nil {
		return err
	}

	one := &r.report.OneEntry
	one.Entries = 1
	if one.WorkersBefore, err = workers(ctx, r.o.Machine); err != nil {
		return err
	}
	if err := vars(1, "v1"); err != nil {
		return err
	}
	if one.Command, err = r.observe(ctx, "one map entry", func() (tfrun.Result, error) { return fixture.Apply(ctx, r.par()) }); err != nil {
		return err
	}
	if one.WorkersAfter, err = workers(ctx, r.o.Machine); err != nil {
		return err
	}
	if live, err = runtimeMap(ctx, r.o.Machine, entriesPath); err != nil {
		return err
	}
	if live[r.o.Prefix+"one"] == "v1" {
		one.Verified = 1
	}
	one.Floor, err = r.floor("one change (map entry)", floorApply("x2"))
	return err
}

// size runs apply, plan and destroy for N on the floor configuration, then
// on the Switchyard one (with the request loop during the apply when probe).
func (r *runner) size(ctx context.Context, n int, probe bool) (err error) {
	s := Size{N: n, Resources: switchyardResources(n), ReloadBound: (n+r.o.Parallelism-1)/r.o.Parallelism + 2}
	defer func() { r.report.Sizes = append(r.report.Sizes, s) }()

	fw, err := r.workspace(ctx, floorModule(n))
	if err != nil {
		return err
	}
	if s.Apply.Floor, err = r.floor(fmt.Sprintf("N=%d apply", n), func() (tfrun.Result, error) { return fw.Apply(ctx, r.par()) }); err != nil {
		return err
	}
	if s.Plan.Floor, err = r.floor(fmt.Sprintf("N=%d plan", n), r.plan(ctx, fw)); err != nil {
		return err
	}
	if s.Destroy.Floor, err = r.floor(fmt.Sprintf("N=%d destroy", n), func() (tfrun.Result, error) { return fw.Destroy(ctx, r.par()) }); err != nil {
		return err
	}

	w, err := r.workspace(ctx, sizeModule(n))
	if err != nil {
		return err
	}
	if err := w.WriteVars(r.vars); err != nil {
		return err
	}
	destroyed := false
	defer func() {
		if !destroyed {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Minute)
			defer cancel()
			if derr := r.destroy(cctx, w); derr != nil {
				err = errors.Join(err, fmt.Errorf("cleanup: %w", derr))
			}
		}
	}()

	apply := func() (tfrun.Result, error) { return w.Apply(ctx, r.par()) }
	if probe {
		apply = r.withProbe(ctx, &s, apply)
	}
	if s.Apply.Command, err = r.observe(ctx, fmt.Sprintf("N=%d apply", n), apply); err != nil {
		return err
	}
	if s.Plan.Command, err = r.observe(ctx, fmt.Sprintf("N=%d plan", n), r.plan(ctx, w)); err != nil {
		return err
	}
	s.Destroy.Command, err = r.observe(ctx, fmt.Sprintf("N=%d destroy", n), func() (tfrun.Result, error) { return w.Destroy(ctx, r.par()) })
	destroyed = err == nil
	return err
}

// plan runs a plan that must find nothing to do (exit 0).
func (r *runner) plan(ctx context.Context, w *tfrun.Workspace) func() (tfrun.Result, error) {
	return func() (tfrun.Result, error) {
		p, err := w.Plan(ctx, r.par())
		if err == nil && p.ExitCode != 0 {
			err = fmt.Errorf("the plan after apply is not empty (exit %d): changed %v, drifted %v", p.ExitCode, p.Changed, p.Drifted)
		}
		return p.Result, err
	}
}

func (r *runner) probeURL() string {
	return "http://" + net.JoinHostPort(r.o.Machine.Address, strconv.Itoa(lab.FrontendPort)) + "/bench"
}

// withProbe wraps apply with the request loop, which runs from just
// before the apply starts until it ends (or the loop's own bounds).
func (r *runner) withProbe(ctx context.Context, s *Size, apply func() (tfrun.Result, error)) func() (tfrun.Result, error) {
	return func() (tfrun.Result, error) {
		lctx, stop := context.WithCancel(ctx)
		done := make(chan Probe, 1)
		url := r.probeURL()
		go func() {
			done <- probeLoop(lctx, url, r.o.Prefix+"probe", r.o.ProbeClients, r.o.ProbeMaxRequests, r.o.ProbeMaxTime)
		}()
		res, err := apply()
		stop()
		p := <-done
		s.Probe = &p
		r.logf("request loop: %d sent, %d failed in %s", p.Sent, p.Failed, p.Duration.Round(time.Millisecond))
		return res, err
	}
}
