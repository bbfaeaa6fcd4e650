package sshconn

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// StageSession is the stage reported when an established agent session dies
// under a call.
const StageSession = "session"

// DefaultKeepaliveInterval is how often an idle connection is checked. NAT
// boxes and firewalls commonly drop idle flows after a minute or more.
const DefaultKeepaliveInterval = 15 * time.Second

// Machine is the provider's handle on one machine: one SSH connection and
// one agent session, opened on first use and shared by every caller.
type Machine struct {
	cfg     Config
	haproxy api.HAProxySettings

	// Tunables, fixed after New; tests shorten them.
	retry             retryPolicy
	keepaliveInterval time.Duration

	mu       sync.Mutex
	cur      *conn    // the live connection, nil before the first Call or after a death
	inflight *attempt // a connect in progress that other callers wait for
	sticky   error    // a host key error: the Machine refuses to try again
	closed   bool
	stats    Stats
}

// Stats counts what a Machine did, for tests and benchmarks that prove
// resources share one connection.
type Stats struct {
	Dials    int // connection attempts to the target (TCP, or a forward through the bastion)
	Uploads  int // agent binaries uploaded and verified
	Sessions int // agent sessions started (`… serve`), failed ones included
}

// attempt is one connect that concurrent callers share, so a burst of calls
// on a fresh Machine costs one dial and one agent session.
type attempt struct {
	done chan struct{}
	c    *conn
	err  error
}

// New returns a Machine that connects lazily, on its first Call. cfg gets
// its defaults here; it is validated on the first Call.
func New(cfg Config, haproxy api.HAProxySettings) *Machine {
	if cfg.Bastion != nil {
		b := *cfg.Bastion // SetDefaults writes to it; the caller's copy stays theirs
		cfg.Bastion = &b
	}
	cfg.SetDefaults()
	return &Machine{
		cfg:               cfg,
		haproxy:           haproxy,
		retry:             defaultRetry,
		keepaliveInterval: DefaultKeepaliveInterval,
	}
}

// Stats returns the counters so far.
func (m *Machine) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stats
}

func (m *Machine) count(f func(*Stats)) {
	m.mu.Lock()
	f(&m.stats)
	m.mu.Unlock()
}

// HostInfo returns what the agent reported when the current session was
// configured, connecting first if needed.
func (m *Machine) HostInfo(ctx context.Context) (api.HostInfo, error) {
	c, err := m.session(ctx)
	if err != nil {
		return api.HostInfo{}, err
	}
	return c.info, nil
}

// Call sends one request to the agent (connecting first if needed) and
// decodes the result into result. Agent-side failures are *api.Error;
// connection failures are *StageError.
//
// A call is never resent on a new connection: it may have been applied
// before the old one died. The next Call reconnects.
func (m *Machine) Call(ctx context.Context, method string, params, result any) error {
	c, err := m.session(ctx)
	if err != nil {
		return err
	}
	err = c.api.Call(ctx, method, params, result)
	if err == nil {
		c.touch()
		return nil
	}
	if _, ok := api.AsError(err); ok {
		c.touch() // the agent answered: the session is fine
		return err
	}
	if c.api.Err() != nil {
		c.kill()
		return m.stageErr(StageSession, fmt.Errorf("%s: %w; %s", method, err, c.agent.exitDetail(time.Second)))
	}
	return err
}

// Close ends the agent session and the SSH connection. Later Calls fail
// with ErrClosed.
func (m *Machine) Close() error {
	m.mu.Lock()
	m.closed = true
	c := m.cur
	m.cur = nil
	m.mu.Unlock()
	if c != nil {
		c.close()
	}
	return nil
}

// session returns a live connection, connecting (once, shared by all
// concurrent callers) when there is none or the last one died.
func (m *Machine) session(ctx context.Context) (*conn, error) {
	for {
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			return nil, ErrClosed
		}
		if m.sticky != nil {
			m.mu.Unlock()
			return nil, m.sticky
		}
		if c := m.cur; c != nil {
			if c.alive() {
				m.mu.Unlock()
				// A connection idle for longer than the keepalive
				// interval is checked before use, so a machine that
				// rebooted since is noticed before a request is lost in it.
				if c.idleFor() > m.keepaliveInterval {
					if keepalive(c.link.client, m.cfg.Timeout) != nil {
						c.kill()
						continue
					}
					c.touch()
				}
				return c, nil
			}
			m.cur = nil
			go c.close()
		}
		if a := m.inflight; a != nil {
			m.mu.Unlock()
			select {
			case <-a.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			// The caller that ran the attempt gave up; this one has not.
			if a.err != nil && isContextErr(a.err) && ctx.Err() == nil {
				continue
			}
			return a.c, a.err
		}
		a := &attempt{done: make(chan struct{})}
		m.inflight = a
		m.mu.Unlock()

		c, err := m.connect(ctx)

		m.mu.Lock()
		m.inflight = nil
		if m.closed {
			if c != nil {
				go c.close()
			}
			c, err = nil, ErrClosed
		}
		if err == nil {
			m.cur = c
		} else if errors.As(err, new(*HostKeyError)) {
			m.sticky = err
		}
		a.c, a.err = c, err
		close(a.done)
		m.mu.Unlock()
		return c, err
	}
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// connect dials, starts the agent and configures it.
func (m *Machine) connect(ctx context.Context) (*conn, error) {
	if err := m.cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid SSH settings: %w", err)
	}
	link, err := m.dial(ctx)
	if err != nil {
		return nil, err
	}
	a, err := m.startAgent(ctx, link)
	if err != nil {
		_ = link.Close()
		return nil, err
	}
	c := &conn{link: link, agent: a, api: api.NewClient(a.stdout, a.stdin), stop: make(chan struct{})}
	c.touch()

	cctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()
	if err := c.api.Call(cctx, api.MethodConfigure, api.Configure{HAProxy: m.haproxy}, &c.info); err != nil {
		detail := ""
		if c.api.Err() != nil {
			detail = "; " + a.exitDetail(time.Second)
		}
		c.close()
		return nil, m.stageErr(StageConfigure, fmt.Errorf("%s: %w%s", api.MethodConfigure, err, detail))
	}
	go c.watch(m.keepaliveInterval, m.cfg.Timeout)
	return c, nil
}

// conn is one SSH connection with its agent session.
type conn struct {
	link  *sshLink
	agent *agentSession
	api   *api.Client
	info  api.HostInfo

	lastOK    atomic.Int64 // unix nanos of the last sign of life
	dead      atomic.Bool
	stop      chan struct{}
	closeOnce sync.Once
}

func (c *conn) touch() { c.lastOK.Store(time.Now().UnixNano()) }

func (c *conn) idleFor() time.Duration { return time.Duration(time.Now().UnixNano() - c.lastOK.Load()) }

func (c *conn) alive() bool {
	if c.dead.Load() || c.api.Err() != nil {
		return false
	}
	select {
	case <-c.agent.exited:
		return false
	default:
		return true
	}
}

// kill marks the connection dead and tears down the SSH connection, which
// ends the agent session and fails every call waiting on it.
func (c *conn) kill() {
	c.dead.Store(true)
	_ = c.link.Close()
}

// watch sends keepalives while the connection lives; the first failure
// kills it, so the next Call reconnects instead of waiting on a dead peer.
func (c *conn) watch(interval, timeout time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-c.agent.exited:
			c.dead.Store(true)
			return
		case <-t.C:
			if keepalive(c.link.client, timeout) != nil {
				c.kill()
				return
			}
			c.touch()
		}
	}
}

// close ends the agent (stdin EOF first, so it can exit cleanly), its
// session and the connection.
func (c *conn) close() {
	c.closeOnce.Do(func() {
		close(c.stop)
		c.dead.Store(true)
		c.agent.close()
		_ = c.link.Close()
	})
}
