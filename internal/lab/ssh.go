package lab

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// newEd25519Key returns a fresh key as an OpenSSH private key file and its
// public key.
func newEd25519Key(comment string) (privPEM []byte, pub ssh.PublicKey, err error) {
	pk, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	block, err := ssh.MarshalPrivateKey(sk, comment)
	if err != nil {
		return nil, nil, err
	}
	pub, err = ssh.NewPublicKey(pk)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(block), pub, nil
}

// authorizedKey formats pub as "ssh-ed25519 AAAA…" without a newline.
func authorizedKey(pub ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
}

// ensureClientKey returns the lab's client public key, generating the key
// pair at path (0600, plus path.pub) on first use. It is kept across labs so
// a person's ssh commands keep working after `down` and `up`.
func ensureClientKey(path string) (ssh.PublicKey, error) {
	if b, err := os.ReadFile(path); err == nil {
		signer, err := ssh.ParsePrivateKey(b)
		if err != nil {
			return nil, fmt.Errorf("lab client key %s: %w (delete it to get a new one)", path, err)
		}
		return signer.PublicKey(), nil
	}
	priv, pub, err := newEd25519Key("switchyard-lab")
	if err != nil {
		return nil, fmt.Errorf("generate lab client key: %w", err)
	}
	if err := writeFileAtomic(path, priv, 0o600); err != nil {
		return nil, fmt.Errorf("write lab client key: %w", err)
	}
	if err := writeFileAtomic(path+".pub", []byte(authorizedKey(pub)+" switchyard-lab\n"), 0o644); err != nil {
		return nil, fmt.Errorf("write lab client key: %w", err)
	}
	return pub, nil
}

// writeKnownHosts writes every machine's host key to the lab's known_hosts,
// for ssh(1) and for anything that takes a known_hosts file.
func writeKnownHosts(recs *records) error {
	var b strings.Builder
	for _, m := range recs.Machines {
		pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(m.HostKey))
		if err != nil {
			return fmt.Errorf("machine %s: host key: %w", m.Name, err)
		}
		addr := knownhosts.Normalize(net.JoinHostPort(m.Address, strconv.Itoa(m.Port)))
		b.WriteString(knownhosts.Line([]string{addr}, pub) + "\n")
	}
	if err := writeFileAtomic(recs.KnownHostsPath, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write known_hosts: %w", err)
	}
	return nil
}

// dial opens an SSH connection to m, verifying its host key against the
// recorded one only. The connection is closed when ctx ends.
func (m Machine) dial(ctx context.Context) (*ssh.Client, error) {
	signer, err := ssh.ParsePrivateKey([]byte(m.PrivateKeyPEM()))
	if err != nil {
		return nil, fmt.Errorf("machine %s: lab client key %s: %w", m.Name, m.PrivateKeyPath, err)
	}
	hostKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(m.HostKey))
	if err != nil {
		return nil, fmt.Errorf("machine %s: recorded host key: %w", m.Name, err)
	}
	cfg := &ssh.ClientConfig{
		User:              m.User,
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback:   ssh.FixedHostKey(hostKey),
		HostKeyAlgorithms: []string{hostKey.Type()},
		Timeout:           10 * time.Second,
	}
	addr := net.JoinHostPort(m.Address, strconv.Itoa(m.Port))
	d := net.Dialer{Timeout: cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("machine %s: dial %s: %w", m.Name, addr, err)
	}
	// The handshake has no context of its own: bound it by a deadline.
	deadline := time.Now().Add(cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("machine %s: ssh handshake with %s: %w", m.Name, addr, err)
	}
	_ = conn.SetDeadline(time.Time{})
	client := ssh.NewClient(c, chans, reqs)
	go func() {
		<-ctx.Done()
		_ = client.Close()
	}()
	return client, nil
}

// Run runs a command on m over SSH, as one argv: each argument is quoted
// for the remote shell, so nothing in them is interpreted. For pipes and
// redirections pass the shell explicitly: Run(ctx, "sh", "-c", "a | b").
// A non-zero exit is an error that names the machine, the command and the
// end of its stderr.
func (m Machine) Run(ctx context.Context, args ...string) (stdout, stderr string, err error) {
	return m.run(ctx, nil, args...)
}

func (m Machine) run(ctx context.Context, stdin []byte, args ...string) (string, string, error) {
	if len(args) == 0 {
		return "", "", fmt.Errorf("machine %s: run: no command", m.Name)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // also closes the connection
	client, err := m.dial(ctx)
	if err != nil {
		return "", "", err
	}
	sess, err := client.NewSession()
	if err != nil {
		return "", "", fmt.Errorf("machine %s: ssh session: %w", m.Name, err)
	}
	defer func() { _ = sess.Close() }()
	var out, errOut bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &errOut
	if stdin != nil {
		sess.Stdin = bytes.NewReader(stdin)
	}
	cmdline := shellJoin(args)
	err = sess.Run(cmdline)
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		err = fmt.Errorf("machine %s: %s: %w%s", m.Name, abbreviate(cmdline, 200), err, stderrSuffix(errOut.String()))
	}
	return out.String(), errOut.String(), err
}

// WriteFile replaces path on m with data, created with mode: written next
// to it through SSH stdin and renamed into place, so readers never see
// half a file. The parent directory must exist.
func (m Machine) WriteFile(ctx context.Context, path string, data []byte, mode os.FileMode) error {
	const script = `set -e; t=$(mktemp "$1.XXXXXX"); trap 'rm -f "$t"' EXIT; cat >"$t"; chmod "$2" "$t"; mv -f "$t" "$1"; trap - EXIT`
	_, _, err := m.run(ctx, data, "sh", "-c", script, "sh", path, fmt.Sprintf("%04o", mode.Perm()))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// shellQuote quotes s for a POSIX shell: in single quotes, where an
// embedded single quote ends the quoting, is backslash-escaped, and reopens it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@,+%") == "" {
		return s // readable in error messages, and safe: no special characters
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

func abbreviate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func stderrSuffix(stderr string) string {
	stderr = strings.TrimSpace(stderr)
	if stderr == "" {
		return ""
	}
	if len(stderr) > 2000 {
		stderr = "…" + stderr[len(stderr)-2000:]
	}
	return ": stderr: " + stderr
}

// writeIdentity writes a machine's identity into its root (the mounted
// overlay): machine-id, host key, and the lab key as root's only
// authorized key. It returns the host public key.
func writeIdentity(root, name string, clientPub ssh.PublicKey) (string, error) {
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return "", err
	}
	hostPriv, hostPub, err := newEd25519Key("root@" + name)
	if err != nil {
		return "", err
	}
	files := []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{"etc/machine-id", []byte(fmt.Sprintf("%x\n", id)), 0o444},
		{"etc/ssh/ssh_host_ed25519_key", hostPriv, 0o600},
		{"etc/ssh/ssh_host_ed25519_key.pub", []byte(authorizedKey(hostPub) + " root@" + name + "\n"), 0o644},
		{"root/.ssh/authorized_keys", []byte(authorizedKey(clientPub) + " switchyard-lab\n"), 0o600},
	}
	if err := os.MkdirAll(filepath.Join(root, "root/.ssh"), 0o700); err != nil {
		return "", err
	}
	for _, f := range files {
		if err := writeFileAtomic(filepath.Join(root, f.path), f.data, f.mode); err != nil {
			return "", fmt.Errorf("write /%s: %w", f.path, err)
		}
	}
	return authorizedKey(hostPub), nil
}
