// Package haproxy is everything the agent does to HAProxy: reading and
// changing haproxy.cfg through client-native v5, validating with
// `haproxy -c`, and the reload that makes a change live.
//
// Every change goes through one pipeline (pipeline.go): machine lock, one
// transaction for all changes queued at that moment (group commit),
// validation, commit, one graceful reload, confirmation, and restore of the
// previous file if the reload does not take.
package haproxy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/haproxytech/client-native/v5/configuration"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/machinelock"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/systemctl"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// Options configure a Manager. Empty HAProxy paths take Debian's
// (api.DefaultHAProxySettings), and TransactionDir, Lock, Systemctl and
// Reloader have defaults; BatchWindow has none (zero: no batching window);
// tests point the directories at t.TempDir() and substitute the Reloader
// and Systemctl.
type Options struct {
	HAProxy api.HAProxySettings
	// TransactionDir holds client-native's transaction files and the
	// candidate file checked with `haproxy -c`. It must be on the machine.
	// Default DefaultTransactionDir.
	TransactionDir string
	// PendingDir holds the record of a batch between writing the file and
	// confirming its reload (pending.go). Defaults to "pending" next to
	// TransactionDir.
	PendingDir string
	// Lock is the machine lock taken around every change, across agent
	// sessions. Default: machinelock.New("", 0).
	Lock *machinelock.Lock
	// BatchWindow is the quiet gap that closes a batch: before it takes
	// the lock, the committer waits for concurrent changes to join until
	// none has arrived for this long (see gather). Zero: no wait.
	BatchWindow time.Duration
	// Systemctl runs systemctl for the instance's service state and the
	// default Reloader. Default systemctl.Exec.
	Systemctl systemctl.Runner
	// Reloader defaults to a SystemdReloader for HAProxy.Service.
	Reloader Reloader
	// Reloads, when set, is incremented for every reload (shared with the
	// agent's HostInfo counters across reconfigurations).
	Reloads *atomic.Int64
	// Pipeline, when set, sums every batch (its size and where its time
	// went) for the session log.
	Pipeline *PipelineCounters
	// ReviveNamespace, when set, is called before each batch for every
	// network namespace the configuration's server and bind lines name
	// (see reviveNamespaces). It runs under the machine lock and must not
	// take it.
	ReviveNamespace func(ctx context.Context, name string) (bool, error)
	// Logf, when set, gets one line per batch: its size and where the
	// time went (lock wait, gathering, transaction and haproxy -c, reload).
	Logf func(format string, args ...any)
}

// Defaults for Options.
const (
	DefaultTransactionDir = "/var/lib/switchyard/transactions"
	// DefaultBatchWindow is what the agent passes as BatchWindow.
	DefaultBatchWindow = 150 * time.Millisecond
)

// Manager owns one machine's HAProxy configuration for an agent session.
type Manager struct {
	opts    Options
	cfg     *config
	lock    *machinelock.Lock
	reloads *atomic.Int64

	qmu     sync.Mutex
	queue   []*change
	running bool // a committer goroutine is working through the queue
	peak    int  // the largest batch so far: how many changes the client runs at once

	lane mapLane // map entry writes while the committer holds the lock (maplane.go)
}

// New opens the configuration file. client-native runs `haproxy -v` here,
// so this fails on a machine without a working HAProxy binary.
func New(ctx context.Context, opts Options) (*Manager, error) {
	def := api.DefaultHAProxySettings()
	h := &opts.HAProxy
	for _, f := range []struct {
		v *string
		d string
	}{
		{&h.ConfigFile, def.ConfigFile}, {&h.Service, def.Service}, {&h.RuntimeSocket, def.RuntimeSocket},
		{&h.MasterSocket, def.MasterSocket}, {&h.MapsDir, def.MapsDir}, {&h.Binary, def.Binary},
	} {
		if *f.v == "" {
			*f.v = f.d
		}
	}
	if opts.TransactionDir == "" {
		opts.TransactionDir = DefaultTransactionDir
	}
	if opts.PendingDir == "" {
		opts.PendingDir = filepath.Join(filepath.Dir(opts.TransactionDir), "pending")
	}
	if opts.Lock == nil {
		opts.Lock = machinelock.New("", 0)
	}
	if opts.Systemctl == nil {
		opts.Systemctl = systemctl.Exec{}
	}
	if opts.Reloader == nil {
		opts.Reloader = &SystemdReloader{Service: h.Service, MasterSocket: h.MasterSocket, Systemctl: opts.Systemctl,
			ConfigFile: h.ConfigFile, RuntimeSocket: h.RuntimeSocket, Logf: opts.Logf}
	}
	m := &Manager{opts: opts, lock: opts.Lock, reloads: opts.Reloads}
	if m.reloads == nil {
		m.reloads = new(atomic.Int64)
	}
	cfg, err := newConfig(ctx, h.ConfigFile, h.Binary, opts.TransactionDir)
	if err != nil {
		return nil, err
	}
	cfg.logf = m.logf
	m.cfg = cfg
	if err := m.recover(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// recover finishes, under the machine lock, a batch that an earlier session
// left between writing the file and confirming its reload (pending.go).
func (m *Manager) recover(ctx context.Context) error {
	recPath, _ := m.pendingPaths()
	if _, err := os.Stat(recPath); err != nil {
		return nil // the common case: no lock needed
	}
	unlock, err := m.lock.Acquire(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	done, err := m.recoverPending(ctx)
	if done != "" {
		m.logf("%s", done)
	}
	return err
}

// Settings returns the effective HAProxy settings (defaults filled in).
func (m *Manager) Settings() api.HAProxySettings { return m.opts.HAProxy }

// Reloads counts the reloads this Manager performed.
func (m *Manager) Reloads() int64 { return m.reloads.Load() }

func (m *Manager) logf(format string, args ...any) {
	if m.opts.Logf != nil {
		m.opts.Logf(format, args...)
	}
}

// ReopenNamespaces reloads HAProxy through the change pipeline (machine
// lock, counted and confirmed like every reload) so that it opens network
// namespaces that were recreated: it holds the deleted ones open until
// then. A stopped HAProxy holds none, so it is left stopped.
func (m *Manager) ReopenNamespaces(ctx context.Context) error {
	if !m.serviceActive(ctx) {
		return nil
	}
	noop := func(configuration.Configuration, string) error { return nil }
	if err := m.submitChange(&change{apply: noop, reload: true, done: make(chan error, 1)}); err != nil {
		return apiError(instanceLabel, err)
	}
	return nil
}

func label(kind, name string) string { return fmt.Sprintf("%s %q", kind, name) }
