package sshconn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// retryPolicy bounds connection attempts. Machines that were just created
// accept TCP before sshd is ready, and sshd may start before cloud-init has
// installed the authorized key, so dial and auth failures are worth a few
// more tries; a wrong host key never is.
type retryPolicy struct {
	attempts   int           // total attempts, first included
	backoff    time.Duration // wait before the second attempt; doubles after each
	maxBackoff time.Duration
}

var defaultRetry = retryPolicy{attempts: 5, backoff: 500 * time.Millisecond, maxBackoff: 5 * time.Second}

// sshLink is an established, authenticated SSH connection to the target,
// and the bastion connection it runs over, if any.
type sshLink struct {
	client  *ssh.Client
	bastion *ssh.Client
}

func (l *sshLink) Close() error {
	err := l.client.Close()
	if l.bastion != nil {
		_ = l.bastion.Close()
	}
	return err
}

// prepared is everything an attempt needs that does not touch the network.
// Building it first means that configuration mistakes (a missing known_hosts
// file, an unreadable key) fail at once, with no dial and no retry.
type prepared struct {
	target, bastion endpoint
	targetKey       verifier
	bastionKey      verifier
	targetAuth      ssh.AuthMethod
	bastionAuth     ssh.AuthMethod
	closeAgent      func()
}

type verifier struct {
	cb    ssh.HostKeyCallback
	algos []string
}

func (m *Machine) prepare() (*prepared, error) {
	p := &prepared{target: m.cfg.target(), closeAgent: func() {}}
	var agentSigners func() ([]ssh.Signer, error)
	if m.cfg.UseAgent {
		sock := os.Getenv("SSH_AUTH_SOCK")
		if sock == "" {
			return nil, &StageError{Stage: StageAuth, Addr: p.target.String(),
				Err: fmt.Errorf("%s is set but SSH_AUTH_SOCK is not: start ssh-agent or use %s", AttrUseAgent, AttrPrivateKeyFile)}
		}
		conn, err := net.Dial("unix", sock)
		if err != nil {
			return nil, &StageError{Stage: StageAuth, Addr: p.target.String(),
				Err: fmt.Errorf("connecting to ssh-agent at SSH_AUTH_SOCK: %w", err)}
		}
		p.closeAgent = func() { _ = conn.Close() }
		agentSigners = agent.NewClient(conn).Signers
	}
	fail := func(e *StageError) (*prepared, error) {
		p.closeAgent()
		return nil, e
	}

	var err error
	if p.targetKey, err = newVerifier(p.target); err != nil {
		return fail(&StageError{Stage: StageHostKey, Addr: p.target.String(), Err: err})
	}
	if p.targetAuth, err = authMethod(p.target, agentSigners); err != nil {
		return fail(&StageError{Stage: StageAuth, Addr: p.target.String(), Err: err})
	}
	if m.cfg.Bastion != nil {
		p.bastion = m.cfg.bastion()
		if p.bastionKey, err = newVerifier(p.bastion); err != nil {
			return fail(&StageError{Stage: StageHostKey, Addr: p.bastion.String(), Err: err})
		}
		if p.bastionAuth, err = authMethod(p.bastion, agentSigners); err != nil {
			return fail(&StageError{Stage: StageAuth, Addr: p.bastion.String(), Err: err})
		}
	}
	return p, nil
}

func newVerifier(e endpoint) (verifier, error) {
	cb, algos, err := e.hostKey.verifier(e.addr())
	return verifier{cb: cb, algos: algos}, err
}

// authMethod offers all keys in one "publickey" method: x/crypto tries each
// method name only once, so a second PublicKeys method would never be used.
func authMethod(e endpoint, agentSigners func() ([]ssh.Signer, error)) (ssh.AuthMethod, error) {
	var signers []ssh.Signer
	if e.privateKey != "" {
		s, err := parsePrivateKey([]byte(e.privateKey), AttrPrivateKey)
		if err != nil {
			return nil, err
		}
		signers = append(signers, s)
	}
	if e.privateKeyFile != "" {
		data, err := os.ReadFile(e.privateKeyFile)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", AttrPrivateKeyFile, err)
		}
		s, err := parsePrivateKey(data, AttrPrivateKeyFile+" "+e.privateKeyFile)
		if err != nil {
			return nil, err
		}
		signers = append(signers, s)
	}
	useAgent := e.useAgent && agentSigners != nil
	if len(signers) == 0 && !useAgent {
		return nil, fmt.Errorf("no SSH authentication method: set %s, %s or %s", AttrPrivateKey, AttrPrivateKeyFile, AttrUseAgent)
	}
	return ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
		if !useAgent {
			return signers, nil
		}
		// Explicit keys go first: sshd counts every offered key against
		// MaxAuthTries, and an agent may hold many.
		fromAgent, err := agentSigners()
		if err != nil && len(signers) == 0 {
			return nil, fmt.Errorf("listing ssh-agent keys: %w", err)
		}
		return append(append([]ssh.Signer(nil), signers...), fromAgent...), nil
	}), nil
}

func parsePrivateKey(data []byte, what string) (ssh.Signer, error) {
	s, err := ssh.ParsePrivateKey(data)
	var missing *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &missing):
		return nil, fmt.Errorf("%s is protected by a passphrase, which Switchyard cannot prompt for: load it into ssh-agent and set %s", what, AttrUseAgent)
	case err != nil:
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return s, nil
}

// dial connects to the target, through the bastion if configured, retrying
// transient failures within a budget of twice the per-attempt timeout.
func (m *Machine) dial(ctx context.Context) (*sshLink, error) {
	p, err := m.prepare()
	if err != nil {
		return nil, err
	}
	defer p.closeAgent()

	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, 2*m.cfg.Timeout)
	defer cancel()
	wait := m.retry.backoff
	for attempt := 1; ; attempt++ {
		link, serr, retry := m.dialOnce(ctx, p)
		if serr == nil {
			return link, nil
		}
		if !retry || attempt >= m.retry.attempts {
			if attempt > 1 {
				serr.Err = fmt.Errorf("%w (gave up after %d attempts in %s)", serr.Err, attempt, time.Since(start).Round(time.Millisecond))
			}
			return nil, serr
		}
		select {
		case <-ctx.Done():
			serr.Err = fmt.Errorf("%w (gave up after %d attempts in %s)", serr.Err, attempt, time.Since(start).Round(time.Millisecond))
			return nil, serr
		case <-time.After(wait):
		}
		wait = min(2*wait, m.retry.maxBackoff)
	}
}

// dialOnce makes one attempt; retry says whether another could succeed.
func (m *Machine) dialOnce(ctx context.Context, p *prepared) (link *sshLink, serr *StageError, retry bool) {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()

	var bastion *ssh.Client
	var conn net.Conn
	var err error
	via := ""
	if m.cfg.Bastion != nil {
		via = p.bastion.String()
		var bconn net.Conn
		if bconn, err = (&net.Dialer{}).DialContext(ctx, "tcp", p.bastion.addr()); err != nil {
			return nil, &StageError{Stage: StageDial, Addr: p.bastion.String(), Err: err}, true
		}
		if bastion, serr, retry = m.handshake(ctx, bconn, p.bastion, p.bastionKey, p.bastionAuth, ""); serr != nil {
			return nil, serr, retry
		}
		m.count(func(s *Stats) { s.Dials++ })
		// The bastion resolves the target's name: private names often
		// only exist on its side.
		if conn, err = bastion.DialContext(ctx, "tcp", p.target.addr()); err != nil {
			_ = bastion.Close()
			return nil, &StageError{Stage: StageDial, Addr: p.target.String(), Via: via, Err: err}, true
		}
	} else {
		m.count(func(s *Stats) { s.Dials++ })
		if conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", p.target.addr()); err != nil {
			return nil, &StageError{Stage: StageDial, Addr: p.target.String(), Err: err}, true
		}
	}
	client, serr, retry := m.handshake(ctx, conn, p.target, p.targetKey, p.targetAuth, via)
	if serr != nil {
		if bastion != nil {
			_ = bastion.Close()
		}
		return nil, serr, retry
	}
	return &sshLink{client: client, bastion: bastion}, nil, false
}

// handshake runs the SSH protocol over conn: version exchange, key exchange
// (where the host key is checked, before any credential is sent) and auth.
func (m *Machine) handshake(ctx context.Context, conn net.Conn, e endpoint, v verifier, auth ssh.AuthMethod, via string) (*ssh.Client, *StageError, bool) {
	cfg := &ssh.ClientConfig{
		User:              e.user,
		Auth:              []ssh.AuthMethod{auth},
		HostKeyCallback:   v.cb,
		HostKeyAlgorithms: v.algos,
	}
	// x/crypto has no context for the handshake, and connections through a
	// bastion do not support deadlines, so closing the conn is how a stuck
	// server is abandoned.
	var abandoned atomic.Bool
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-ctx.Done():
			abandoned.Store(true)
			_ = conn.Close()
		}
	}()
	c, chans, reqs, err := ssh.NewClientConn(conn, e.addr(), cfg)
	close(done)
	if err == nil {
		return ssh.NewClient(c, chans, reqs), nil, false
	}

	serr := &StageError{Stage: StageSSH, Addr: e.String(), Via: via, Err: err}
	var hk *HostKeyError
	switch {
	case errors.As(err, &hk):
		serr.Stage, serr.Err = StageHostKey, hk
		return nil, serr, false
	case strings.Contains(err.Error(), "unable to authenticate"):
		serr.Stage = StageAuth
		serr.Err = fmt.Errorf("%w (is the key in ~%s/.ssh/authorized_keys on the machine?)", err, e.user)
		return nil, serr, true
	case abandoned.Load():
		serr.Err = fmt.Errorf("no SSH handshake within %s: %w", m.cfg.Timeout, err)
		return nil, serr, true
	case strings.Contains(err.Error(), "no common algorithm"):
		// The two sides will not agree next time either.
		return nil, serr, false
	default:
		// EOF or a reset: sshd restarting, or MaxStartups throttling.
		return nil, serr, true
	}
}

// keepalive asks the server for a reply; the answer (even a refusal) proves
// the connection is alive. A server that does not answer within timeout is
// treated as gone, since a silently dropped network never errors on its own.
func keepalive(c *ssh.Client, timeout time.Duration) error {
	errc := make(chan error, 1)
	go func() {
		_, _, err := c.SendRequest("keepalive@openssh.com", true, nil)
		errc <- err
	}()
	select {
	case err := <-errc:
		return err
	case <-time.After(timeout):
		return fmt.Errorf("no answer to keepalive within %s", timeout)
	}
}
