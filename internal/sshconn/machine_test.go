package sshconn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// fastRetry keeps the bounded-retry tests short.
var fastRetry = retryPolicy{attempts: 5, backoff: 5 * time.Millisecond, maxBackoff: 20 * time.Millisecond}

type env struct {
	key    string // client private key, PEM
	pub    ssh.PublicKey
	server *fakeServer
}

func newEnv(t *testing.T, opts ...fakeOption) *env {
	t.Helper()
	key, pub := newClientKey(t)
	return &env{key: key, pub: pub, server: newFakeServer(t, pub, opts...)}
}

// config pins the server's key unless the caller changes it.
func (e *env) config() Config {
	return Config{
		Host:       "127.0.0.1",
		Port:       e.server.port,
		PrivateKey: e.key,
		HostKey:    authorizedKey(e.server.hostKey()),
		Timeout:    5 * time.Second,
	}
}

func newMachine(t *testing.T, cfg Config) *Machine {
	t.Helper()
	m := New(cfg, api.DefaultHAProxySettings())
	m.retry = fastRetry
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func echo(t *testing.T, m *Machine, msg string) error {
	t.Helper()
	var got string
	if err := m.Call(context.Background(), methodEcho, msg, &got); err != nil {
		return err
	}
	if got != msg {
		t.Errorf("echo returned %q, want %q", got, msg)
	}
	return nil
}

func TestPinnedHostKey(t *testing.T) {
	e := newEnv(t)
	m := newMachine(t, e.config())
	if err := echo(t, m, "hello"); err != nil {
		t.Fatal(err)
	}
	// A fresh machine: the first start finds nothing, so probe, upload, start.
	if diff := cmp.Diff(Stats{Dials: 1, Uploads: 1, Sessions: 2}, m.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	e.server.mu.Lock()
	configured := e.server.configured
	e.server.mu.Unlock()
	want := []api.Configure{{HAProxy: api.DefaultHAProxySettings()}}
	if diff := cmp.Diff(want, configured); diff != "" {
		t.Errorf("agent.configure params (-want +got):\n%s", diff)
	}
	info, err := m.HostInfo(context.Background())
	if err != nil || info.Hostname != "fake" {
		t.Errorf("HostInfo = %+v, %v", info, err)
	}
}

func TestHostKeyMismatch(t *testing.T) {
	e := newEnv(t)
	other := newSigner(t).PublicKey()
	cfg := e.config()
	cfg.HostKey = authorizedKey(other)
	m := newMachine(t, cfg)

	err := echo(t, m, "hello")
	var hk *HostKeyError
	if !errors.As(err, &hk) {
		t.Fatalf("want a HostKeyError, got %v", err)
	}
	var se *StageError
	if !errors.As(err, &se) || se.Stage != StageHostKey {
		t.Fatalf("want StageError at %q, got %#v", StageHostKey, err)
	}
	wantErr := &HostKeyError{
		Host:    net.JoinHostPort("127.0.0.1", fmt.Sprint(e.server.port)),
		Source:  AttrHostKey,
		Want:    []string{ssh.FingerprintSHA256(other)},
		Got:     ssh.FingerprintSHA256(e.server.hostKey()),
		KeyType: ssh.KeyAlgoED25519,
	}
	if diff := cmp.Diff(wantErr, hk); diff != "" {
		t.Errorf("HostKeyError (-want +got):\n%s", diff)
	}
	// Never retried, and nothing was sent: no auth, no command.
	if diff := cmp.Diff(serverCounts{Accepts: 1}, e.server.counts()); diff != "" {
		t.Errorf("server saw (-want +got):\n%s", diff)
	}
	if got := m.Stats().Dials; got != 1 {
		t.Errorf("dials = %d, want 1", got)
	}
	// The Machine stays refused: a second call does not dial again.
	if err := echo(t, m, "again"); !errors.As(err, &hk) {
		t.Errorf("second call: want HostKeyError, got %v", err)
	}
	if got := e.server.counts().Accepts; got != 1 {
		t.Errorf("accepts after second call = %d, want 1", got)
	}
	t.Log(err)
}

func TestKnownHosts(t *testing.T) {
	tests := []struct {
		name     string
		file     func(e *env, addr string) string // returns the known_hosts path
		wantHK   bool                             // a HostKeyError
		wantWant int                              // len(HostKeyError.Want)
		wantErr  string                           // substring, when the call fails
		accepts  int
	}{
		{
			name: "ok",
			file: func(e *env, addr string) string {
				return writeKnownHosts(t, knownhosts.Line([]string{addr}, e.server.hostKey()))
			},
			accepts: 1,
		},
		{
			name: "mismatch",
			file: func(e *env, addr string) string {
				return writeKnownHosts(t, knownhosts.Line([]string{addr}, newSigner(t).PublicKey()))
			},
			wantHK: true, wantWant: 1, wantErr: "host key mismatch", accepts: 1,
		},
		{
			name: "unknown host",
			file: func(e *env, addr string) string {
				return writeKnownHosts(t, knownhosts.Line([]string{"10.9.9.9"}, e.server.hostKey()))
			},
			wantHK: true, wantWant: 0, wantErr: "is not in known_hosts file", accepts: 1,
		},
		{
			name: "missing file",
			file: func(e *env, addr string) string {
				return filepath.Join(t.TempDir(), "nope")
			},
			wantErr: "does not exist", accepts: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The server also has an ECDSA key, which x/crypto would prefer:
			// only the known type may be negotiated.
			e := newEnv(t, withECDSA())
			cfg := e.config()
			cfg.HostKey = ""
			cfg.KnownHostsFile = tt.file(e, net.JoinHostPort("127.0.0.1", fmt.Sprint(e.server.port)))
			m := newMachine(t, cfg)
			err := echo(t, m, "hi")
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			}
			var hk *HostKeyError
			if got := errors.As(err, &hk); got != tt.wantHK {
				t.Fatalf("HostKeyError: %v, want %v (err: %v)", got, tt.wantHK, err)
			}
			if hk != nil && len(hk.Want) != tt.wantWant {
				t.Errorf("Want = %v, want %d entries", hk.Want, tt.wantWant)
			}
			var se *StageError
			if err != nil && (!errors.As(err, &se) || se.Stage != StageHostKey) {
				t.Errorf("want StageError at %q, got %v", StageHostKey, err)
			}
			if got := e.server.counts(); got.Accepts != tt.accepts || (err != nil && got.Execs+got.AuthCalls != 0) {
				t.Errorf("server saw %+v, want %d accepts and no auth/exec on failure", got, tt.accepts)
			}
			if err != nil {
				t.Log(err)
			}
		})
	}
}

func writeKnownHosts(t *testing.T, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPinnedKeyAmongSeveralServerKeys(t *testing.T) {
	e := newEnv(t, withECDSA())
	if err := echo(t, newMachine(t, e.config()), "hi"); err != nil {
		t.Fatal(err)
	}
}

func TestInsecureIgnoreHostKey(t *testing.T) {
	e := newEnv(t)
	cfg := e.config()
	cfg.HostKey = ""
	cfg.InsecureIgnoreHostKey = true
	if err := echo(t, newMachine(t, cfg), "hi"); err != nil {
		t.Fatal(err)
	}
}

func TestAuthRetry(t *testing.T) {
	tests := []struct {
		name      string
		failAuth  int
		wantDials int
		wantStage string // empty: success
	}{
		{name: "succeeds after two refusals", failAuth: 2, wantDials: 3},
		{name: "gives up after bounded attempts", failAuth: 100, wantDials: 5, wantStage: StageAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.server.installAgent(t)
			e.server.failAuth = tt.failAuth
			m := newMachine(t, e.config())
			err := echo(t, m, "hi")
			var se *StageError
			switch {
			case tt.wantStage == "" && err != nil:
				t.Fatal(err)
			case tt.wantStage != "" && (!errors.As(err, &se) || se.Stage != tt.wantStage):
				t.Fatalf("want StageError at %q, got %v", tt.wantStage, err)
			}
			if got := m.Stats().Dials; got != tt.wantDials {
				t.Errorf("dials = %d, want %d", got, tt.wantDials)
			}
			if err != nil {
				t.Log(err)
			}
		})
	}
}

func TestDialClosedPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()

	key, _ := newClientKey(t)
	m := newMachine(t, Config{Host: "127.0.0.1", Port: port, PrivateKey: key, InsecureIgnoreHostKey: true, Timeout: 2 * time.Second})
	err = m.Call(context.Background(), methodEcho, "x", nil)
	var se *StageError
	if !errors.As(err, &se) || se.Stage != StageDial {
		t.Fatalf("want StageError at %q, got %v", StageDial, err)
	}
	wantPrefix := fmt.Sprintf("ssh to root@127.0.0.1:%d: dial: ", port)
	if !strings.HasPrefix(err.Error(), wantPrefix) || !strings.Contains(err.Error(), "gave up after 5 attempts") {
		t.Errorf("error = %q, want prefix %q and the attempt count", err, wantPrefix)
	}
	if got := m.Stats().Dials; got != 5 {
		t.Errorf("dials = %d, want 5", got)
	}
	t.Log(err)
}

func TestUploadThenReuse(t *testing.T) {
	e := newEnv(t)
	m1 := newMachine(t, e.config())
	if err := echo(t, m1, "one"); err != nil {
		t.Fatal(err)
	}
	id, err := buildID()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := agentFor("amd64")
	if err != nil {
		t.Fatal(err)
	}
	wantExecs := []string{serveCommand(id, false), probeCommand, uploadCommand(id, bin, false), serveCommand(id, false)}
	if diff := cmp.Diff(wantExecs, e.server.execList()); diff != "" {
		t.Errorf("commands (-want +got):\n%s", diff)
	}
	e.server.mu.Lock()
	uploaded := e.server.files[agentPath(id)]
	e.server.mu.Unlock()
	if string(uploaded) != string(bin.Data) {
		t.Errorf("uploaded %d bytes that differ from the embedded amd64 agent", len(uploaded))
	}

	// Another provider process finds the agent in place.
	m2 := newMachine(t, e.config())
	if err := echo(t, m2, "two"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Stats{Dials: 1, Sessions: 1}, m2.Stats()); diff != "" {
		t.Errorf("second machine stats (-want +got):\n%s", diff)
	}
}

func TestUploadHashMismatch(t *testing.T) {
	e := newEnv(t)
	e.server.corruptUpload = true
	m := newMachine(t, e.config())
	err := echo(t, m, "x")
	var se *StageError
	if !errors.As(err, &se) || se.Stage != StageUpload || !strings.Contains(err.Error(), "sha256 of the uploaded agent") {
		t.Fatalf("want StageError at %q about sha256, got %v", StageUpload, err)
	}
	if got := m.Stats().Uploads; got != 0 {
		t.Errorf("uploads = %d, want 0", got)
	}
	t.Log(err)
}

func TestProtocolMismatchReuploads(t *testing.T) {
	e := newEnv(t)
	e.server.installAgent(t)
	e.server.badHandshakes = 1
	m := newMachine(t, e.config())
	if err := echo(t, m, "x"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Stats{Dials: 1, Uploads: 1, Sessions: 2}, m.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

func TestUploadDanceOnlyOnce(t *testing.T) {
	e := newEnv(t)
	e.server.badHandshakes = 10
	m := newMachine(t, e.config())
	err := echo(t, m, "x")
	var se *StageError
	if !errors.As(err, &se) || se.Stage != StageHandshake {
		t.Fatalf("want StageError at %q, got %v", StageHandshake, err)
	}
	if diff := cmp.Diff(Stats{Dials: 1, Uploads: 1, Sessions: 2}, m.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	t.Log(err)
}

func TestSudoPrefixesCommands(t *testing.T) {
	e := newEnv(t)
	cfg := e.config()
	cfg.User = "deploy"
	cfg.Sudo = true
	if err := echo(t, newMachine(t, cfg), "x"); err != nil {
		t.Fatal(err)
	}
	for _, c := range e.server.execList() {
		if c != probeCommand && !strings.HasPrefix(c, sudoPrefix) {
			t.Errorf("command %q does not start with %q", c, sudoPrefix)
		}
	}
}

func TestConcurrentCallsShareOneConnection(t *testing.T) {
	e := newEnv(t)
	e.server.installAgent(t)
	m := newMachine(t, e.config())

	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			msg := fmt.Sprintf("call %d", i)
			var got string
			if errs[i] = m.Call(context.Background(), methodEcho, msg, &got); errs[i] == nil && got != msg {
				errs[i] = fmt.Errorf("got %q, want %q", got, msg)
			}
		}()
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Stats{Dials: 1, Sessions: 1}, m.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	if got := e.server.counts().Accepts; got != 1 {
		t.Errorf("server accepted %d connections, want 1", got)
	}
}

func TestReconnectAfterConnectionLoss(t *testing.T) {
	e := newEnv(t)
	e.server.installAgent(t)
	m := newMachine(t, e.config())
	if err := echo(t, m, "before"); err != nil {
		t.Fatal(err)
	}
	e.server.dropAll() // the machine rebooted
	waitFor(t, func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		return !m.cur.alive()
	})
	if err := echo(t, m, "after"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Stats{Dials: 2, Sessions: 2}, m.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

func TestKeepaliveDetectsSilentPeer(t *testing.T) {
	e := newEnv(t)
	e.server.installAgent(t)
	cfg := e.config()
	cfg.Timeout = 300 * time.Millisecond // also the keepalive's answer deadline
	m := New(cfg, api.DefaultHAProxySettings())
	m.retry = fastRetry
	m.keepaliveInterval = 20 * time.Millisecond
	t.Cleanup(func() { _ = m.Close() })
	if err := echo(t, m, "before"); err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	c := m.cur
	m.mu.Unlock()
	// Nothing is closed, nothing errors: only an unanswered keepalive
	// tells that the peer is gone.
	e.server.freezeAll()
	waitFor(t, func() bool { return !c.alive() })
	if err := echo(t, m, "after"); err != nil {
		t.Fatal(err)
	}
	if got := m.Stats().Dials; got != 2 {
		t.Errorf("dials = %d, want 2", got)
	}
}

func TestAgentDeathReportsStderr(t *testing.T) {
	e := newEnv(t)
	e.server.installAgent(t)
	m := newMachine(t, e.config())
	err := m.Call(context.Background(), methodExit, nil, nil)
	var se *StageError
	if !errors.As(err, &se) || se.Stage != StageSession {
		t.Fatalf("want StageError at %q, got %v", StageSession, err)
	}
	for _, want := range []string{"panic: boom", "exited with status 2"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	t.Log(err)
	// The next call gets a new session.
	if err := echo(t, m, "again"); err != nil {
		t.Fatal(err)
	}
	if got := m.Stats().Sessions; got != 2 {
		t.Errorf("sessions = %d, want 2", got)
	}
}

func TestAgentErrorPassesThrough(t *testing.T) {
	e := newEnv(t)
	e.server.installAgent(t)
	m := newMachine(t, e.config())
	err := m.Call(context.Background(), "no.such.method", nil, nil)
	if ae, ok := api.AsError(err); !ok || ae.Code != api.CodeUnknown {
		t.Fatalf("want *api.Error %q, got %v", api.CodeUnknown, err)
	}
	if err := echo(t, m, "still fine"); err != nil {
		t.Fatal(err)
	}
	if got := m.Stats().Sessions; got != 1 {
		t.Errorf("sessions = %d, want 1", got)
	}
}

func TestBastion(t *testing.T) {
	target := newEnv(t)
	target.server.installAgent(t)
	bastion := newFakeServer(t, target.pub)
	bastion.forward = true

	cfg := target.config()
	cfg.Bastion = &BastionConfig{Host: "127.0.0.1", Port: bastion.port, HostKey: authorizedKey(bastion.hostKey())}
	m := newMachine(t, cfg)
	if err := echo(t, m, "through the jump host"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(serverCounts{Accepts: 1, AuthCalls: 1, Forwards: 1}, bastion.counts()); diff != "" {
		t.Errorf("bastion saw (-want +got):\n%s", diff)
	}

	// A wrong bastion key stops before the target is contacted.
	cfg.Bastion.HostKey = authorizedKey(newSigner(t).PublicKey())
	m2 := newMachine(t, cfg)
	err := echo(t, m2, "x")
	var hk *HostKeyError
	var se *StageError
	if !errors.As(err, &hk) || !errors.As(err, &se) || se.Addr != "root@"+net.JoinHostPort("127.0.0.1", fmt.Sprint(bastion.port)) {
		t.Fatalf("want a HostKeyError for the bastion, got %v", err)
	}
	if hk.Source != AttrBastionHostKey {
		t.Errorf("source = %q, want %q", hk.Source, AttrBastionHostKey)
	}
	if got := m2.Stats().Dials; got != 0 {
		t.Errorf("target dials = %d, want 0", got)
	}
	t.Log(err)
}

func TestCloseThenCall(t *testing.T) {
	e := newEnv(t)
	e.server.installAgent(t)
	m := newMachine(t, e.config())
	if err := echo(t, m, "x"); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Call(context.Background(), methodEcho, "y", nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("want ErrClosed, got %v", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
