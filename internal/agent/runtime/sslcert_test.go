package runtime

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeSocket is an admin socket that records what each connection sent
// (up to the end of the command, or of its payload) and answers from a
// table keyed by the command's first three words.
type fakeSocket struct {
	path    string
	mu      sync.Mutex
	got     []string
	answers map[string]string
	// busy is how many commands get HAProxy's "locked" answer first.
	busy int
}

func newFakeSocket(t *testing.T, answers map[string]string) *fakeSocket {
	t.Helper()
	f := &fakeSocket{path: filepath.Join(t.TempDir(), "admin.sock"), answers: answers}
	ln, err := net.Listen("unix", f.path)
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
			f.serve(conn)
		}
	}()
	return f
}

func (f *fakeSocket) serve(conn net.Conn) {
	defer func() { _ = conn.Close() }()
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil {
		return
	}
	msg := line
	if strings.HasSuffix(line, "<<\n") {
		for { // the payload ends at an empty line
			l, err := r.ReadString('\n')
			msg += l
			if err != nil || l == "\n" {
				break
			}
		}
	}
	words := strings.Fields(line)
	key := strings.Join(words[:min(3, len(words))], " ")
	f.mu.Lock()
	f.got = append(f.got, msg)
	answer := f.answers[key]
	if f.busy > 0 {
		f.busy--
		answer = "Can't show!\nOperation locked by another process\n"
	}
	f.mu.Unlock()
	_, _ = io.WriteString(conn, answer)
}

func (f *fakeSocket) setBusy(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.busy = n
}

func (f *fakeSocket) sent() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.got...)
}

const testPEM = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n\n-----BEGIN PRIVATE KEY-----\r\nBBBB\r\n-----END PRIVATE KEY-----\n"

func TestReplaceSSLCert(t *testing.T) {
	const file = "/etc/haproxy/certs/my site.pem"
	wantSet := "set ssl cert /etc/haproxy/certs/my\\ site.pem <<\n" +
		"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" +
		"-----BEGIN PRIVATE KEY-----\nBBBB\n-----END PRIVATE KEY-----\n\n"
	const wantCommit = "commit ssl cert /etc/haproxy/certs/my\\ site.pem\n"
	const wantAbort = "abort ssl cert /etc/haproxy/certs/my\\ site.pem\n"
	for _, tc := range []struct {
		name    string
		answers map[string]string
		want    []string
		wantErr error  // errors.Is
		errText string // substring
	}{
		{
			name: "committed",
			answers: map[string]string{
				"set ssl cert":    "Transaction created for certificate " + file + "!\n",
				"commit ssl cert": "Committing " + file + ".\nSuccess!\n",
			},
			want: []string{wantSet, wantCommit},
		},
		{
			name: "not loaded",
			answers: map[string]string{
				"set ssl cert": "Can't replace a certificate which is not referenced by the configuration!\n",
			},
			want:    []string{wantSet, wantAbort},
			wantErr: ErrCertNotLoaded,
		},
		{
			name: "commit refused",
			answers: map[string]string{
				"set ssl cert":    "Transaction updated for certificate " + file + "!\n",
				"commit ssl cert": "Committing " + file + "\nFailed!\nunable to load the private key\n",
			},
			want:    []string{wantSet, wantCommit, wantAbort},
			errText: "commit ssl cert: Committing",
		},
		{
			name: "set refused",
			answers: map[string]string{
				"set ssl cert": "unable to load certificate\n",
			},
			want:    []string{wantSet, wantAbort},
			errText: "set ssl cert: unable to load certificate",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sock := newFakeSocket(t, tc.answers)
			err := Client{Socket: sock.path}.ReplaceSSLCert(context.Background(), file, testPEM)
			switch {
			case tc.wantErr == nil && tc.errText == "" && err != nil:
				t.Fatalf("ReplaceSSLCert: %v", err)
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Fatalf("ReplaceSSLCert: %v, want %v", err, tc.wantErr)
			case tc.errText != "" && (err == nil || !strings.Contains(err.Error(), tc.errText)):
				t.Fatalf("ReplaceSSLCert: %v, want an error containing %q", err, tc.errText)
			}
			if err != nil && strings.Contains(err.Error(), "BBBB") {
				t.Fatalf("the error quotes the key: %v", err)
			}
			if diff := cmp.Diff(tc.want, sock.sent()); diff != "" {
				t.Fatalf("commands sent (-want +got):\n%s", diff)
			}
		})
	}
}

func TestShowSSLCerts(t *testing.T) {
	sock := newFakeSocket(t, map[string]string{
		"show ssl cert": "# filename\n/etc/haproxy/certs/a.pem\n*/etc/haproxy/certs/b.pem\n",
	})
	got, err := Client{Socket: sock.path}.ShowSSLCerts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"/etc/haproxy/certs/a.pem", "/etc/haproxy/certs/b.pem"}, got); diff != "" {
		t.Fatalf("ShowSSLCerts (-want +got):\n%s", diff)
	}
	// While another session holds the certificate lock: asked again.
	sock.setBusy(3)
	got, err = Client{Socket: sock.path}.ShowSSLCerts(context.Background())
	if err != nil || len(got) != 2 {
		t.Fatalf("ShowSSLCerts after 3 busy answers = %v, %v; want the 2 files", got, err)
	}
	sock.setBusy(showCertRetries + 1)
	if _, err := (Client{Socket: sock.path}).ShowSSLCerts(context.Background()); err == nil || !strings.Contains(err.Error(), "Can't show!") {
		t.Fatalf("ShowSSLCerts always busy: %v, want HAProxy's answer in the error", err)
	}
	if got, err := ParseShowSSLCerts("\n"); err != nil || len(got) != 0 {
		t.Fatalf("ParseShowSSLCerts(no certificates: an empty line, as 2.6.12 answers) = %v, %v", got, err)
	}
	if _, err := ParseShowSSLCerts("Unknown command\n"); err == nil {
		t.Fatal("ParseShowSSLCerts accepted an answer without its header")
	}
}
