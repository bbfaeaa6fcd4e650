package haproxy

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/machinelock"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/systemctl"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/pemcert/testca"
)

// certFixture is a Manager whose configuration binds a TLS port with
// certs/site.pem, next to a real HAProxy started once that file exists.
type certFixture struct {
	m        *Manager
	dir      string
	socket   string
	port     int
	reloader *fakeReloader
	ca       *testca.CA
}

func newCertFixture(t *testing.T, socket string) *certFixture {
	t.Helper()
	needHAProxy(t)
	dir := t.TempDir()
	if socket == "" {
		socket = filepath.Join(dir, "admin.sock")
	}
	f := &certFixture{dir: dir, socket: socket, port: freePort(t), reloader: &fakeReloader{}, ca: testca.New(t, "agent test CA")}
	cfg := fmt.Sprintf(`global
    stats socket %s mode 600 level admin
defaults
    mode http
    timeout connect 5s
    timeout client 5s
    timeout server 5s
frontend tls
    bind 127.0.0.1:%d ssl crt %s
    http-request return status 200 content-type text/plain string ok
`, f.socket, f.port, filepath.Join(dir, "certs", "site.pem"))
	cfgPath := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	var err error
	f.m, err = New(context.Background(), Options{
		HAProxy:        api.HAProxySettings{ConfigFile: cfgPath, Binary: haproxyBin, RuntimeSocket: f.socket},
		TransactionDir: filepath.Join(dir, "tx"),
		Lock:           machinelock.New(filepath.Join(dir, "run", "haproxy.lock"), 0),
		Reloader:       f.reloader,
		Systemctl:      &systemctl.Fake{}, // the service is active
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *certFixture) start(t *testing.T) {
	t.Helper()
	runHAProxy(t, f.m.Settings().ConfigFile, f.socket)
}

// served is the SHA-256 fingerprint of the leaf HAProxy presents, after a
// handshake that verifies it against the test CA.
func (f *certFixture) served(t *testing.T) string {
	t.Helper()
	conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", f.port), &tls.Config{RootCAs: f.ca.Pool(), ServerName: "site.example.test"})
	if err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	defer func() { _ = conn.Close() }()
	sum := sha256.Sum256(conn.ConnectionState().PeerCertificates[0].Raw)
	return hex.EncodeToString(sum[:])
}

func fingerprint(l testca.Leaf) string {
	sum := sha256.Sum256(l.Cert.Raw)
	return hex.EncodeToString(sum[:])
}

func TestCertificateLifecycle(t *testing.T) {
	ctx := context.Background()
	f := newCertFixture(t, "")
	path := filepath.Join(f.dir, "certs", "site.pem")
	month := time.Now().Add(30 * 24 * time.Hour)
	first := f.ca.Issue(t, month, "site.example.test")
	second := f.ca.Issue(t, month, "site.example.test", "www.example.test")
	other := f.ca.Issue(t, month, "other.example.test")
	expired := f.ca.Issue(t, time.Now().Add(-time.Minute), "site.example.test")

	// Refused before anything is written.
	for _, bad := range []struct {
		name string
		spec api.CertificateSpec
		want string
	}{
		{"mismatched", api.CertificateSpec{Name: "site", CertificatePEM: first.CertPEM, PrivateKeyPEM: other.KeyPEM}, "does not match"},
		{"expired", api.CertificateSpec{Name: "site", CertificatePEM: expired.CertPEM, PrivateKeyPEM: expired.KeyPEM}, "expired"},
		{"garbage", api.CertificateSpec{Name: "site", CertificatePEM: "garbage", PrivateKeyPEM: first.KeyPEM}, "no PEM CERTIFICATE"},
		{"no key", api.CertificateSpec{Name: "site", CertificatePEM: first.CertPEM}, "no private key"},
		{"bad name", api.CertificateSpec{Name: "../site", CertificatePEM: first.CertPEM, PrivateKeyPEM: first.KeyPEM}, "starts with a dot"},
	} {
		_, err := f.m.CreateCertificate(ctx, bad.spec)
		if code(err) != api.CodeInvalid || !strings.Contains(err.Error(), bad.want) {
			t.Fatalf("create %s: %v, want %s containing %q", bad.name, err, api.CodeInvalid, bad.want)
		}
		if strings.Contains(err.Error(), "PRIVATE KEY-----") {
			t.Fatalf("create %s: the error quotes key material: %v", bad.name, err)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatalf("create %s wrote %s (stat: %v)", bad.name, path, err)
		}
	}

	// Before HAProxy runs, only the file is written.
	got, err := f.m.CreateCertificate(ctx, api.CertificateSpec{Name: "site", CertificatePEM: first.CertPEM, PrivateKeyPEM: first.KeyPEM})
	if err != nil {
		t.Fatal(err)
	}
	if got.Loaded || !got.KeyMatches || got.SHA256Fingerprint != fingerprint(first) || got.Path != path {
		t.Fatalf("created: %+v", got)
	}
	if strings.Contains(fmt.Sprintf("%+v", got), "PRIVATE KEY") {
		t.Fatalf("the answer holds the key: %+v", got)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v, mode %v; want 0600", path, err, st.Mode().Perm())
	}
	// A create that finds a different file is refused; the same file is
	// a retried create and converges.
	if _, err := f.m.CreateCertificate(ctx, api.CertificateSpec{Name: "site", CertificatePEM: second.CertPEM, PrivateKeyPEM: second.KeyPEM}); code(err) != api.CodeExists {
		t.Fatalf("create over a different file: %v, want %s", err, api.CodeExists)
	}
	if _, err := f.m.CreateCertificate(ctx, api.CertificateSpec{Name: "site", CertificatePEM: first.CertPEM, PrivateKeyPEM: first.KeyPEM}); err != nil {
		t.Fatalf("retried create: %v", err)
	}
	// The same certificate with a wrong key by hand: a create repairs it.
	if err := os.WriteFile(path, []byte(first.CertPEM+other.KeyPEM), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := f.m.CreateCertificate(ctx, api.CertificateSpec{Name: "site", CertificatePEM: first.CertPEM, PrivateKeyPEM: first.KeyPEM}); err != nil || !got.KeyMatches {
		t.Fatalf("create over its own certificate with a wrong key: %+v, %v; want the key written", got, err)
	}

	f.start(t)
	if got, err := f.m.GetCertificate(ctx, "site"); err != nil || !got.Loaded {
		t.Fatalf("get after start: %+v, %v; want loaded", got, err)
	}
	if fp := f.served(t); fp != fingerprint(first) {
		t.Fatalf("served %s, want the first certificate %s", fp, fingerprint(first))
	}

	// Rotation: a new certificate and key, live, without a reload.
	if _, err := f.m.UpdateCertificate(ctx, api.CertificateSpec{Name: "site", CertificatePEM: second.CertPEM, PrivateKeyPEM: second.KeyPEM}); err != nil {
		t.Fatal(err)
	}
	if fp := f.served(t); fp != fingerprint(second) {
		t.Fatalf("after the update HAProxy serves %s, want the second certificate %s", fp, fingerprint(second))
	}
	if n := f.reloader.calls.Load(); n != 0 {
		t.Fatalf("the rotation reloaded %d times, want 0", n)
	}
	data, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(data), strings.TrimSpace(second.KeyPEM)) {
		t.Fatalf("the file does not hold the new key (%v)", err)
	}

	// An update without a key keeps the file's, which must match.
	before, _ := os.ReadFile(path)
	if _, err := f.m.UpdateCertificate(ctx, api.CertificateSpec{Name: "site", CertificatePEM: first.CertPEM}); code(err) != api.CodeInvalid {
		t.Fatalf("update with the file's key for another certificate: %v, want %s", err, api.CodeInvalid)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Fatal("a refused update changed the file")
	}

	// A hand-replaced key is visible: the file's key no longer matches.
	if err := os.WriteFile(path, []byte(second.CertPEM+other.KeyPEM), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := f.m.GetCertificate(ctx, "site"); err != nil || got.KeyMatches {
		t.Fatalf("get after a hand-replaced key: %+v, %v; want key_matches false", got, err)
	}
	if _, err := f.m.UpdateCertificate(ctx, api.CertificateSpec{Name: "site", CertificatePEM: second.CertPEM, PrivateKeyPEM: second.KeyPEM}); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the repaired file's mode is not 0600 (%v)", err)
	}

	// Destroy refuses while the bind names the file.
	if err := f.m.DeleteCertificate(ctx, "site"); code(err) != api.CodeRejected {
		t.Fatalf("delete while used: %v, want %s", err, api.CodeRejected)
	}
	if err := f.m.DeleteCertificate(ctx, "unused"); code(err) != api.CodeNotFound {
		t.Fatalf("delete of an absent certificate: %v, want %s", err, api.CodeNotFound)
	}
}

// refusingSocket is an admin socket that lists certs as loaded and
// refuses every `set ssl cert`.
func refusingSocket(t *testing.T, path, loaded string) {
	t.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			r := bufio.NewReader(conn)
			line, _ := r.ReadString('\n')
			if strings.HasSuffix(line, "<<\n") {
				for {
					l, err := r.ReadString('\n')
					if err != nil || l == "\n" {
						break
					}
				}
			}
			switch {
			case strings.HasPrefix(line, "show ssl cert"):
				_, _ = io.WriteString(conn, "# filename\n"+loaded+"\n")
			case strings.HasPrefix(line, "set ssl cert"):
				_, _ = io.WriteString(conn, "unable to load the certificate (fake)\n")
			}
			_ = conn.Close()
		}
	}()
}

func TestCertificateRuntimeRefusedReloads(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sock := filepath.Join(dir, "fake.sock")
	f := newCertFixture(t, sock)
	var mu sync.Mutex
	var logs []string
	f.m.opts.Logf = func(format string, args ...any) { // the committer logs too
		mu.Lock()
		defer mu.Unlock()
		logs = append(logs, fmt.Sprintf(format, args...))
	}
	refusingSocket(t, sock, f.m.CertificatePath("site"))
	leaf := f.ca.Issue(t, time.Now().Add(time.Hour), "site.example.test")
	got, err := f.m.CreateCertificate(ctx, api.CertificateSpec{Name: "site", CertificatePEM: leaf.CertPEM, PrivateKeyPEM: leaf.KeyPEM})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Loaded {
		t.Fatalf("got %+v, want loaded (the fake socket lists it)", got)
	}
	if n := f.reloader.calls.Load(); n != 1 {
		t.Fatalf("a refused swap reloaded %d times, want 1", n)
	}
	mu.Lock()
	joined := strings.Join(logs, "\n")
	mu.Unlock()
	if !strings.Contains(joined, "refused the swap") || !strings.Contains(joined, "reloading once instead") {
		t.Fatalf("the agent log does not say it reloaded instead:\n%s", joined)
	}
	if strings.Contains(joined, "PRIVATE KEY") {
		t.Fatalf("the agent log holds the key:\n%s", joined)
	}
}

func TestNamesFile(t *testing.T) {
	const path = "/etc/haproxy/certs/a.pem"
	for cfg, want := range map[string]bool{
		"    bind :443 ssl crt /etc/haproxy/certs/a.pem\n":              true,
		"    bind :443 ssl crt /etc/haproxy/certs/a.pem alpn h2\n":      true,
		"    bind :443 ssl crt /etc/haproxy/certs/a.pem.pem\n":          false,
		"    bind :443 ssl crt /etc/haproxy/certs/aa.pem\n":             false,
		"    bind :443 ssl crt /x/etc/haproxy/certs/a.pem\n":            false,
		"    bind :443 ssl crt /etc/haproxy/certs/b.pem\n    # a.pem\n": false,
	} {
		if got := namesFile([]byte(cfg), path); got != want {
			t.Errorf("namesFile(%q) = %v, want %v", cfg, got, want)
		}
	}
}

func TestFrontendBindTLSOptions(t *testing.T) {
	ctx := context.Background()
	f := newCertFixture(t, "")
	leaf := f.ca.Issue(t, time.Now().Add(time.Hour), "site.example.test")
	cert, err := f.m.CreateCertificate(ctx, api.CertificateSpec{Name: "site", CertificatePEM: leaf.CertPEM, PrivateKeyPEM: leaf.KeyPEM})
	if err != nil {
		t.Fatal(err)
	}
	fe := api.Frontend{
		Name: "https", Mode: "http", ACLs: []string{}, HTTPRequest: []string{}, HTTPResponse: []string{}, UseBackends: []api.UseBackend{},
		Binds: []api.Bind{{Address: "127.0.0.1", Port: i64(int64(freePort(t))), SSLCertificate: cert.Path, ALPN: "h2,http/1.1", SSLMinVer: "TLSv1.3"}},
	}
	got, err := f.m.CreateFrontend(fe)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fe, got); diff != "" {
		t.Fatalf("read-back (-want +got):\n%s", diff)
	}
	cfg, err := os.ReadFile(f.m.Settings().ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cfg), "alpn h2,http/1.1") || !strings.Contains(string(cfg), "ssl-min-ver TLSv1.3") {
		t.Fatalf("haproxy.cfg lacks the bind's alpn or ssl-min-ver:\n%s", cfg)
	}
	for name, b := range map[string]api.Bind{
		"alpn without ssl": {Address: "127.0.0.1", Port: i64(1), ALPN: "h2"},
		"bad alpn":         {Address: "127.0.0.1", Port: i64(1), SSLCertificate: cert.Path, ALPN: "h2, http/1.1"},
		"bad version":      {Address: "127.0.0.1", Port: i64(1), SSLCertificate: cert.Path, SSLMinVer: "TLSv1.4"},
	} {
		bad := fe
		bad.Name, bad.Binds = "bad", []api.Bind{b}
		if _, err := f.m.CreateFrontend(bad); code(err) != api.CodeInvalid {
			t.Errorf("%s: %v, want %s", name, err, api.CodeInvalid)
		}
	}
}
