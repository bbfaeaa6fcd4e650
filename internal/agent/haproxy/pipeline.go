package haproxy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime/debug"
	"slices"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/runtime"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// change is one resource's modification waiting for the committer.
type change struct {
	apply applyFunc
	// reload asks for a reload even when apply changes nothing: HAProxy
	// must reopen a network namespace that was recreated.
	reload bool
	// masked, when set, is apply with the runtime-settable parts (server
	// weights and admin states) left as the file has them. A batch whose
	// changes all have one, and whose masked transaction changes nothing,
	// differs from the file only in what live sets: it is written without
	// a reload.
	masked applyFunc
	// live, when set, makes the running HAProxy hold what the change
	// writes to the file that the runtime API can set. It runs after the
	// batch: instead of the reload when none is needed, after it otherwise
	// (the file cannot say drain; see serverstate.go).
	live func(ctx context.Context, afterReload bool) error
	done chan error
}

// submit queues a change and waits until it is live (validated, written,
// reloaded and confirmed) or has failed. Concurrent submits share one batch.
//
// Group commit: whoever finds no committer running starts one; the
// committer waits for the wave to gather, takes the machine lock, then
// everything queued, and loops until the queue is empty. Changes arriving
// while it validates and reloads wait for the next batch instead of
// starting their own reload.
func (m *Manager) submit(apply applyFunc) error {
	return m.submitChange(&change{apply: apply, done: make(chan error, 1)})
}

func (m *Manager) submitChange(c *change) error {
	m.qmu.Lock()
	m.queue = append(m.queue, c)
	if !m.running {
		m.running = true
		go m.commitLoop()
	}
	m.qmu.Unlock()
	// No ctx here on purpose: once queued, the change may be applied, and
	// the caller must learn whether it was.
	return <-c.done
}

func (m *Manager) commitLoop() {
	for {
		m.qmu.Lock()
		if len(m.queue) == 0 {
			m.running = false
			m.qmu.Unlock()
			return
		}
		m.qmu.Unlock()
		m.commitBatch(context.Background())
	}
}

// queued reports the queue length (tests use it to build a batch).
func (m *Manager) queued() int {
	m.qmu.Lock()
	defer m.qmu.Unlock()
	return len(m.queue)
}

func (m *Manager) take() []*change {
	m.qmu.Lock()
	defer m.qmu.Unlock()
	batch := m.queue
	m.queue = nil
	return batch
}

func (m *Manager) commitBatch(ctx context.Context) {
	// Gather the wave first, without the machine lock, so that map
	// writes (which take the lock for a few milliseconds, never reload and
	// hold a Terraform slot while they wait) are not kept waiting through
	// the gather; then the lock, and the batch last: everything that queued
	// up while another session held the machine goes into this batch too.
	var t batchTimes
	var batch []*change
	defer func() {
		// client-native runs in here, on the committer goroutine: a panic
		// in it would otherwise end the agent and every session request
		// with it. The batch fails; the agent and the next batch go on.
		if p := recover(); p != nil {
			m.cfg.forget()
			err := api.Errorf(api.CodeInternal, "HAProxy change pipeline: agent panic: %v", p)
			for _, c := range batch {
				select {
				case c.done <- err:
				default: // already answered
				}
			}
			m.logf("batch of %d: agent panic: %v\n%s", len(batch), p, debug.Stack())
		}
	}()
	start := time.Now()
	m.gather()
	t.gather = time.Since(start)
	start = time.Now()
	unlock, lockErr := m.lock.Acquire(ctx)
	t.lock = time.Since(start)
	batch = m.take()
	if lockErr != nil {
		for _, c := range batch {
			c.done <- lockErr
		}
		return
	}
	defer unlock()
	// Map entry writes of this session go on next to the batch (maplane.go).
	// The lane closes, with the keys written during a reload set again,
	// before the lock is released: below, or deferred after unlock (so it
	// runs first) when the batch panics.
	m.openLane()
	defer m.closeLane(ctx)
	m.qmu.Lock()
	m.peak = max(m.peak, len(batch))
	m.qmu.Unlock()
	errs := m.applyBatch(ctx, batch, &t)
	failed := 0
	for i, c := range batch {
		if errs[i] != nil {
			failed++
		}
		c.done <- errs[i]
	}
	resent := m.closeLane(ctx)
	m.opts.Pipeline.add(len(batch), t, resent)
	m.logf("batch of %d (%d failed): lock %s, gather %s, transaction %s (haproxy -c %s), reload %s; map entries set again after it: %d",
		len(batch), failed, ms(t.lock), ms(t.gather), ms(t.transact), ms(t.check), ms(t.reload), resent)
}

// batchTimes is where one batch's time went, for the agent's log.
type batchTimes struct {
	lock, gather, transact, check, reload time.Duration
}

func ms(d time.Duration) string { return d.Round(time.Millisecond).String() }

// gatherPoll is how often gather looks at the queue; peakSettle bounds
// the quiet gap that closes a batch once it is as large as the peak.
const (
	gatherPoll = 2 * time.Millisecond
	peakSettle = 50 * time.Millisecond
)

// gather waits, before the machine lock is taken, for the rest of a wave
// to queue up. Terraform runs up to -parallelism changes at once, but they
// do not arrive together: when a batch ends, its callers answer Terraform,
// which sends its next changes one by one, while the changes that missed
// that batch are already queued. A fixed short window cuts such waves in
// two (many more reloads than waves; docs/performance.md has the figures);
// a long one would make every lone change wait.
// So gather stops once the queue is as large as the largest batch this
// session has seen (the parallelism, learnt) and no change has arrived for
// peakSettle, or once no change has arrived for BatchWindow, and never
// after 8 × BatchWindow. The settle lets the learnt peak grow: stopping
// the moment the queue reached it kept a session whose first waves
// happened to be small at that size for good (N = 500: 87 batches of at
// most 7 in one run, 60 of up to 10 in another, same -parallelism=10).
func (m *Manager) gather() {
	window := m.opts.BatchWindow
	if window <= 0 {
		return
	}
	settle := min(window/3, peakSettle)
	start := time.Now()
	last, n := start, m.queued()
	for {
		m.qmu.Lock()
		peak := m.peak
		m.qmu.Unlock()
		now := time.Now()
		quiet := now.Sub(last)
		if (peak > 0 && n >= peak && quiet >= settle) || quiet >= window || now.Sub(start) >= 8*window {
			return
		}
		time.Sleep(gatherPoll)
		if k := m.queued(); k != n {
			n, last = k, time.Now()
		}
	}
}

// applyBatch runs one batch under the machine lock and returns each
// change's outcome.
func (m *Manager) applyBatch(ctx context.Context, batch []*change, t *batchTimes) []error {
	start := time.Now()
	defer func() { t.transact = time.Since(start) - t.reload }()
	errs := make([]error, len(batch))
	path := m.opts.HAProxy.ConfigFile
	prev, err := os.ReadFile(path)
	if err != nil {
		for i := range errs {
			errs[i] = fmt.Errorf("reading %s: %w", path, err)
		}
		return errs
	}

	// A revived namespace needs a reload even when the batch changes
	// nothing in the file: HAProxy holds the old, deleted namespace open.
	needReload := m.reviveNamespaces(ctx, prev)

	if err := m.markPending(prev); err != nil {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	// Whatever returns below ends with HAProxy running what the file says
	// (the new file, the restored one, or the untouched one). An agent that
	// dies first, or a panic, leaves the record for the next session.
	defer func() {
		if p := recover(); p != nil {
			panic(p)
		}
		m.clearPending()
	}()

	liveOnly := !needReload && m.liveOnly(batch)

	// applied: the changes a failed reload fails; unchanged: those that
	// wrote nothing, whose live part still runs.
	var applied, unchanged []int
	fns := make([]applyFunc, len(batch))
	for i, c := range batch {
		fns[i] = c.apply
		if c.reload {
			applied = append(applied, i)
			needReload = true
		}
	}
	err = m.cfg.transact(ctx, fns...)
	t.check = m.cfg.lastCheck
	switch {
	case err == nil:
		applied = applied[:0]
		for i := range batch {
			applied = append(applied, i)
		}
		needReload = !liveOnly
	case errors.Is(err, errNoChange):
		// Nothing to write, but the runtime may differ from the file (a
		// state typed on the admin socket): live repairs it.
		for i := range batch {
			unchanged = append(unchanged, i)
		}
	case len(batch) == 1:
		errs[0] = err
		applied = nil
	default:
		// Something in the batch failed, and one error for the whole
		// batch would blame every resource. Apply the changes one at a
		// time instead, each in its own transaction and validation, so
		// each gets its own verdict; the ones that pass still share the
		// single reload below.
		applied = applied[:0]
		for i, c := range batch {
			err := m.cfg.transact(ctx, c.apply)
			switch {
			case err == nil:
				applied = append(applied, i)
				needReload = true
			case errors.Is(err, errNoChange):
				unchanged = append(unchanged, i)
				if c.reload {
					applied = append(applied, i)
				}
			default:
				errs[i] = err
			}
		}
	}
	live := append(slices.Clone(applied), unchanged...)
	slices.Sort(live)
	live = slices.Compact(live)
	if !needReload {
		err := m.runLive(ctx, batch, live, errs, false)
		if err == nil {
			return errs
		}
		// The running HAProxy refused a command the file allows (it does
		// not run what the file says): the reload makes it, and live runs
		// again after it.
		m.logf("runtime API: %v; reloading instead", err)
		for _, i := range live {
			errs[i] = nil
		}
		applied = live
	}

	faultPoint(faultExitAfterCommit)
	reloadStart := time.Now()
	defer func() { t.reload = time.Since(reloadStart) }()
	if rerr := m.reload(ctx); rerr != nil {
		fail := &reloadFailure{reload: rerr}
		fail.restore = m.restore(ctx, path, prev)
		for _, i := range applied {
			errs[i] = fail
		}
		return errs
	}
	// Right after a reload the admin socket may still reach a stopping
	// worker, which does not know a new backend: retry for a moment.
	for try := 0; ; try++ {
		err := m.runLive(ctx, batch, live, errs, true)
		if err == nil || try == liveRetries {
			if err != nil {
				m.logf("runtime API after reload: %v", err)
			}
			break
		}
		for _, i := range live {
			errs[i] = nil
		}
		time.Sleep(liveRetryPause)
	}
	return errs
}

// liveRetries and liveRetryPause bound the wait for the new workers'
// admin socket after a reload.
const (
	liveRetries    = 20
	liveRetryPause = 100 * time.Millisecond
)

// liveOnly reports whether every change of the batch can go live and,
// with the runtime-settable parts masked, the batch changes nothing: then
// only server weights and admin states differ, and no reload is needed.
func (m *Manager) liveOnly(batch []*change) bool {
	masked := make([]applyFunc, 0, len(batch))
	for _, c := range batch {
		if c.masked == nil || c.reload {
			return false
		}
		masked = append(masked, c.masked)
	}
	same, err := m.cfg.unchanged(masked...)
	return err == nil && same
}

// runLive runs the live part of the applied changes that have not failed
// and records a failure on the change it belongs to. A stopped HAProxy has
// nothing to set: the file is what it will start with. It returns the
// first failure.
func (m *Manager) runLive(ctx context.Context, batch []*change, applied []int, errs []error, afterReload bool) error {
	var first error
	for _, i := range applied {
		c := batch[i]
		if c.live == nil || errs[i] != nil {
			continue
		}
		err := c.live(ctx, afterReload)
		if err == nil || errors.Is(err, runtime.ErrNotRunning) {
			continue
		}
		errs[i] = fmt.Errorf("runtime API: %w", err)
		if first == nil {
			first = err
		}
	}
	return first
}

// namespaceRef finds the namespaces that server, default-server and bind
// lines name.
var namespaceRef = regexp.MustCompile(`(?m)^[ \t]*(?:server|default-server|bind)(?:[ \t].*?)?[ \t]namespace[ \t]+([^ \t\r\n#]+)`)

// reviveNamespaces recreates managed namespaces that the configuration
// names but that were deleted by hand. Without it, one deleted namespace
// makes `haproxy -c` refuse every change on the machine ("Cannot open
// namespace"), even changes to unrelated backends in the same apply; with
// it, the batch's reload also makes HAProxy reopen the new namespace.
// Namespaces that Switchyard does not manage are left to `haproxy -c` to
// report. It runs under the machine lock, so ReviveNamespace must not take
// it. It reports whether it recreated any.
func (m *Manager) reviveNamespaces(ctx context.Context, cfg []byte) (revived bool) {
	if m.opts.ReviveNamespace == nil {
		return false
	}
	seen := map[string]bool{}
	for _, match := range namespaceRef.FindAllSubmatch(cfg, -1) {
		name := string(match[1])
		if seen[name] {
			continue
		}
		seen[name] = true
		ok, err := m.opts.ReviveNamespace(ctx, name)
		switch {
		case err != nil:
			m.logf("reviving network namespace %q: %v", name, err)
		case ok:
			revived = true
			m.logf("network namespace %q was missing: recreated from its unit", name)
		}
	}
	return revived
}

func (m *Manager) reload(ctx context.Context) error {
	m.reloads.Add(1)
	return m.opts.Reloader.Reload(ctx)
}

// restore puts the previous bytes back and reloads again, so that HAProxy
// runs, and the file holds, the configuration from before the batch.
func (m *Manager) restore(ctx context.Context, path string, prev []byte) error {
	if err := m.cfg.writeConfig(prev); err != nil {
		return fmt.Errorf("restoring %s: %w", path, err)
	}
	if err := m.reload(ctx); err != nil {
		return fmt.Errorf("reloading the restored configuration: %w", err)
	}
	return nil
}

// reloadFailure is a validated change whose reload did not take effect.
type reloadFailure struct {
	reload  error
	restore error // nil when the previous configuration runs again
}

func (e *reloadFailure) Error() string {
	s := "reload failed: " + e.reload.Error()
	if e.restore != nil {
		s += "\nrestoring the previous configuration also failed: " + e.restore.Error()
	}
	return s
}
