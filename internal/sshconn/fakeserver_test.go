package sshconn

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/version"
)

// Test-only methods the fake agent understands.
const (
	methodEcho = "test.echo" // result = params
	methodExit = "test.exit" // the agent writes to stderr and exits 2
)

// fakeServer is an in-process sshd on 127.0.0.1 whose "shell" knows exactly
// the commands sshconn sends: uname -m, the upload script, and `… serve`,
// which runs a fake agent speaking api frames.
type fakeServer struct {
	t         testing.TB
	ln        net.Listener
	port      int
	hostKeys  []ssh.Signer // first is ed25519
	clientKey ssh.PublicKey

	mu            sync.Mutex
	accepts       int
	authCalls     int
	execs         []string
	failAuth      int             // connections whose auth is refused before one is accepted
	failed        map[string]bool // session ids refused so far
	files         map[string][]byte
	badHandshakes int  // agent starts that announce protocol 0
	corruptUpload bool // print a wrong sha256 after an upload
	forward       bool // allow direct-tcpip (bastion)
	forwards      int
	configured    []api.Configure
	conns         []*fakeConn
}

// fakeConn can be frozen: it stops reading, like a machine that vanished
// from the network without closing anything.
type fakeConn struct {
	net.Conn
	freezeOnce sync.Once
	frozen     chan struct{}
	closeOnce  sync.Once
	closed     chan struct{}
}

func (c *fakeConn) Read(p []byte) (int, error) {
	select {
	case <-c.frozen:
		<-c.closed
		return 0, net.ErrClosed
	default:
	}
	return c.Conn.Read(p)
}

func (c *fakeConn) freeze() { c.freezeOnce.Do(func() { close(c.frozen) }) }

func (c *fakeConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

type fakeOption func(*fakeServer)

// withECDSA gives the server an ECDSA host key too. x/crypto prefers
// ECDSA over Ed25519 by default, so this catches a client that does not ask
// for the key type it can verify.
func withECDSA() fakeOption {
	return func(s *fakeServer) {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			s.t.Fatal(err)
		}
		sg, err := ssh.NewSignerFromKey(k)
		if err != nil {
			s.t.Fatal(err)
		}
		s.hostKeys = append(s.hostKeys, sg)
	}
}

func newFakeServer(t testing.TB, clientKey ssh.PublicKey, opts ...fakeOption) *fakeServer {
	t.Helper()
	s := &fakeServer{t: t, clientKey: clientKey, failed: map[string]bool{}, files: map[string][]byte{}}
	s.hostKeys = []ssh.Signer{newSigner(t)}
	for _, o := range opts {
		o(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.ln = ln
	s.port = ln.Addr().(*net.TCPAddr).Port
	t.Cleanup(func() {
		_ = ln.Close()
		s.dropAll()
	})
	go s.serve()
	return s
}

func (s *fakeServer) hostKey() ssh.PublicKey { return s.hostKeys[0].PublicKey() }

func (s *fakeServer) serve() {
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.authCalls++
			sid := string(meta.SessionID())
			if s.failed[sid] {
				return nil, errors.New("refused")
			}
			if s.failAuth > 0 {
				s.failAuth--
				s.failed[sid] = true
				return nil, errors.New("refused")
			}
			if !keysEqual(key, s.clientKey) {
				return nil, errors.New("unknown key")
			}
			return nil, nil
		},
	}
	for _, k := range s.hostKeys {
		cfg.AddHostKey(k)
	}
	for {
		raw, err := s.ln.Accept()
		if err != nil {
			return
		}
		nc := &fakeConn{Conn: raw, frozen: make(chan struct{}), closed: make(chan struct{})}
		s.mu.Lock()
		s.accepts++
		s.conns = append(s.conns, nc)
		s.mu.Unlock()
		go s.handleConn(nc, cfg)
	}
}

// dropAll cuts every connection, as a reboot would.
func (s *fakeServer) dropAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		_ = c.Close()
	}
	s.conns = nil
}

// freezeAll stops answering on every existing connection.
func (s *fakeServer) freezeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.freeze()
	}
}

func (s *fakeServer) handleConn(nc net.Conn, cfg *ssh.ServerConfig) {
	_, chans, reqs, err := ssh.NewServerConn(nc, cfg)
	if err != nil {
		_ = nc.Close()
		return
	}
	go ssh.DiscardRequests(reqs) // answers keepalive@openssh.com with "failure", as sshd does
	for nch := range chans {
		switch nch.ChannelType() {
		case "session":
			ch, reqs, err := nch.Accept()
			if err != nil {
				continue
			}
			go s.handleSession(ch, reqs)
		case "direct-tcpip":
			s.handleForward(nch)
		default:
			_ = nch.Reject(ssh.UnknownChannelType, "no")
		}
	}
}

func (s *fakeServer) handleForward(nch ssh.NewChannel) {
	var p struct {
		Host     string
		Port     uint32
		OrigHost string
		OrigPort uint32
	}
	s.mu.Lock()
	allowed := s.forward
	s.forwards++
	s.mu.Unlock()
	if err := ssh.Unmarshal(nch.ExtraData(), &p); err != nil || !allowed {
		_ = nch.Reject(ssh.Prohibited, "forwarding refused")
		return
	}
	// Tests only ever talk to loopback.
	if ip := net.ParseIP(p.Host); ip == nil || !ip.IsLoopback() {
		_ = nch.Reject(ssh.Prohibited, "loopback only")
		return
	}
	nc, err := net.Dial("tcp", net.JoinHostPort(p.Host, strconv.Itoa(int(p.Port))))
	if err != nil {
		_ = nch.Reject(ssh.ConnectionFailed, err.Error())
		return
	}
	ch, reqs, err := nch.Accept()
	if err != nil {
		_ = nc.Close()
		return
	}
	go ssh.DiscardRequests(reqs)
	go func() { _, _ = io.Copy(ch, nc); _ = ch.CloseWrite() }()
	go func() { _, _ = io.Copy(nc, ch); _ = nc.Close() }()
}

func (s *fakeServer) handleSession(ch ssh.Channel, reqs <-chan *ssh.Request) {
	for req := range reqs {
		if req.Type != "exec" {
			_ = req.Reply(false, nil)
			continue
		}
		var p struct{ Command string }
		if err := ssh.Unmarshal(req.Payload, &p); err != nil {
			_ = req.Reply(false, nil)
			continue
		}
		_ = req.Reply(true, nil)
		s.mu.Lock()
		s.execs = append(s.execs, p.Command)
		s.mu.Unlock()
		go func() {
			code := s.exec(p.Command, ch)
			_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{uint32(code)}))
			_ = ch.Close()
		}()
	}
}

var uploadDirRE = regexp.MustCompile(`; d=([^;]+); `)

func (s *fakeServer) exec(cmd string, ch ssh.Channel) int {
	plain := strings.TrimPrefix(cmd, sudoPrefix)
	switch {
	case plain == probeCommand:
		_, _ = fmt.Fprintln(ch, "x86_64")
		return 0
	case strings.HasPrefix(plain, "sh -c '"):
		m := uploadDirRE.FindStringSubmatch(plain)
		if m == nil {
			_, _ = fmt.Fprintln(ch.Stderr(), "fake: unrecognised script")
			return 2
		}
		data, err := io.ReadAll(ch)
		if err != nil {
			return 1
		}
		sum := sha256.Sum256(data)
		s.mu.Lock()
		corrupt := s.corruptUpload
		if !corrupt {
			s.files[m[1]+"/"+remoteAgentName] = data
		}
		s.mu.Unlock()
		if corrupt {
			sum[0] ^= 0xff
		}
		_, _ = fmt.Fprintf(ch, "%x  %s/.upload-4242\n", sum, m[1])
		return 0
	case strings.HasSuffix(plain, " serve"):
		path := strings.TrimSuffix(plain, " serve")
		s.mu.Lock()
		_, ok := s.files[path]
		bad := s.badHandshakes > 0
		if bad {
			s.badHandshakes--
		}
		s.mu.Unlock()
		if !ok {
			_, _ = fmt.Fprintf(ch.Stderr(), "sh: 1: %s: not found\n", path)
			return 127
		}
		return s.runAgent(ch, bad)
	default:
		_, _ = fmt.Fprintf(ch.Stderr(), "fake: unknown command %q\n", cmd)
		return 127
	}
}

// runAgent is a tiny agent: shell noise, the handshake, then concurrent
// answers until stdin closes.
func (s *fakeServer) runAgent(ch ssh.Channel, badHandshake bool) int {
	hs := api.Handshake{Protocol: api.ProtocolVersion, Version: version.Version}
	if badHandshake {
		hs.Protocol = 0
	}
	_, _ = fmt.Fprintf(ch, "Welcome to a very chatty login shell\n%s\n", hs)
	if badHandshake {
		return 0
	}
	fr, fw := api.NewFrameReader(ch), api.NewFrameWriter(ch)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		var req api.Request
		if err := fr.Read(&req); err != nil {
			return 0
		}
		switch req.Method {
		case api.MethodConfigure:
			var c api.Configure
			_ = json.Unmarshal(req.Params, &c)
			s.mu.Lock()
			s.configured = append(s.configured, c)
			s.mu.Unlock()
			info, _ := json.Marshal(api.HostInfo{Hostname: "fake", Arch: "amd64", AgentVersion: version.Version, Protocol: api.ProtocolVersion})
			_ = fw.Write(api.Response{ID: req.ID, Result: info})
		case methodEcho:
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(time.Millisecond) // answer out of order
				_ = fw.Write(api.Response{ID: req.ID, Result: req.Params})
			}()
		case methodExit:
			_, _ = fmt.Fprintln(ch.Stderr(), "panic: boom")
			return 2
		default:
			_ = fw.Write(api.Response{ID: req.ID, Error: api.Errorf(api.CodeUnknown, "unknown method %s", req.Method)})
		}
	}
}

// installAgent puts this build's agent where sshconn looks for it.
func (s *fakeServer) installAgent(t testing.TB) {
	t.Helper()
	id, err := buildID()
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.files[agentPath(id)] = []byte("already here")
	s.mu.Unlock()
}

type serverCounts struct {
	Accepts, AuthCalls, Execs, Forwards int
}

func (s *fakeServer) counts() serverCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return serverCounts{Accepts: s.accepts, AuthCalls: s.authCalls, Execs: len(s.execs), Forwards: s.forwards}
}

func (s *fakeServer) execList() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.execs...)
}

func newSigner(t testing.TB) ssh.Signer {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sg, err := ssh.NewSignerFromKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return sg
}

// newClientKey returns a private key in OpenSSH PEM form and its public key.
func newClientKey(t testing.TB) (string, ssh.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(block)), sp
}

func authorizedKey(k ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k)))
}
