// Package machinelock is the one lock that every change to a machine takes:
// HAProxy configuration batches, map files, unit files and network
// namespaces. Two agent sessions (two terraform runs, or a run and a
// console session) on one machine take turns through it, and so do the
// goroutines of one session.
package machinelock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// DefaultPath is the lock file. It keeps the name from when only HAProxy
// changes took it, so that an agent of an older version running a session
// at the same time still excludes this one.
const DefaultPath = "/run/switchyard/haproxy.lock"

// DefaultTimeout bounds the wait for another session's change.
const DefaultTimeout = 2 * time.Minute

// pollInterval is how often a flock held by another process is retried.
const pollInterval = 50 * time.Millisecond

// Lock is the machine lock at Path. Share one *Lock within a process: its
// holders are queued in memory first, so they do not poll the flock
// against each other.
//
// It is not re-entrant: flock on a second descriptor of the same file
// blocks even in the process that holds it. Code that runs while the lock
// is held (the HAProxy pipeline reviving a namespace) must be a variant
// that does not take it again; such functions say "the caller holds the
// machine lock".
type Lock struct {
	Path    string
	Timeout time.Duration

	sem chan struct{}
}

// New returns the lock at path (DefaultPath if empty) with timeout
// (DefaultTimeout if not positive).
func New(path string, timeout time.Duration) *Lock {
	if path == "" {
		path = DefaultPath
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Lock{Path: path, Timeout: timeout, sem: make(chan struct{}, 1)}
}

// Acquire takes the lock, waiting at most Timeout and as long as ctx. flock
// is released by the kernel when the process dies, so a killed agent never
// leaves a stale lock.
func (l *Lock) Acquire(ctx context.Context) (unlock func(), err error) {
	deadline := time.Now().Add(l.Timeout)
	timer := time.NewTimer(l.Timeout)
	defer timer.Stop()
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-timer.C:
		return nil, fmt.Errorf("this Switchyard session still holds %s after %s", l.Path, l.Timeout)
	}
	release, err := flock(ctx, l.Path, deadline, l.Timeout)
	if err != nil {
		<-l.sem
		return nil, err
	}
	return func() { release(); <-l.sem }, nil
}

// Do runs fn holding the lock.
func (l *Lock) Do(ctx context.Context, fn func() error) error {
	unlock, err := l.Acquire(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return fn()
}

// flock polls instead of blocking so that the wait stays bounded by ctx and
// the deadline.
func flock(ctx context.Context, path string, deadline time.Time, timeout time.Duration) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("creating lock directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening lock file: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				_ = f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			_ = f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			_ = f.Close()
			return nil, fmt.Errorf("another Switchyard session still holds %s after %s", path, timeout)
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, ctx.Err()
		case <-time.After(pollInterval):
		}
	}
}
