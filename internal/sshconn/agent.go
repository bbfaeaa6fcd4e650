package sshconn

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/switchyard/terraform-provider-switchyard/internal/agentbin"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/version"
)

// Every command sent to the machine is assembled from the constants below,
// the build's version, hex hashes and arch names, and nothing else: no host
// name, user or path from the provider configuration ever reaches a remote
// shell, so no quoting bug can turn configuration into code.
const (
	// One directory per build; the agent removes all but its own and the
	// previous one when it starts (internal/agent/prune.go).
	remoteAgentRoot = "/var/lib/switchyard/agent"
	remoteAgentName = "switchyard-agent"
	probeCommand    = "uname -m"
	sudoPrefix      = "sudo -n " // -n: fail at once instead of waiting for a password nobody will type

	// Bounds on what the agent (or a login shell before it) may print
	// before the handshake line.
	handshakeMaxLines = 100
	handshakeMaxBytes = 64 << 10
)

// agentArchs are the architectures whose binaries identify an agent build.
var agentArchs = []string{"amd64", "arm64"}

// agentFor finds the agent binary to upload. Unit tests replace it with
// fakes (their SSH server never runs the binary), so they need no `make agent`.
var agentFor = agentbin.For

// versionPattern is what version.Version may contain to be used in a remote
// path. Set by the linker; checked because it ends up in a shell command.
var versionPattern = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z._+-]{0,63}$`)

// buildID names this provider's agent build on the machine:
// "<version>-<16 hex>". The hash covers every embedded binary, because the
// agent must be found before the machine's architecture is known (probing it
// would cost a round trip on every connection); any change to any binary
// gives a new directory, so a stale agent is never run.
func buildID() (string, error) {
	if !versionPattern.MatchString(version.Version) {
		return "", fmt.Errorf("build version %q cannot be used in the agent's remote path", version.Version)
	}
	h := sha256.New()
	found := 0
	var lastErr error
	for _, arch := range agentArchs {
		bin, err := agentFor(arch)
		if err != nil {
			lastErr = err
			continue
		}
		found++
		_, _ = fmt.Fprintf(h, "linux/%s %s\n", arch, bin.SHA256)
	}
	if found == 0 {
		return "", lastErr
	}
	return version.Version + "-" + hex.EncodeToString(h.Sum(nil))[:16], nil
}

func agentDir(id string) string  { return remoteAgentRoot + "/" + id }
func agentPath(id string) string { return agentDir(id) + "/" + remoteAgentName }

// serveCommand runs the agent in the foreground, speaking frames on
// stdin/stdout until stdin closes.
func serveCommand(id string, sudo bool) string {
	cmd := agentPath(id) + " serve"
	if sudo {
		cmd = sudoPrefix + cmd
	}
	return cmd
}

// uploadCommand writes stdin to a temporary file next to the final one,
// checks its sha256 on the machine, and renames it into place, so a machine
// never has a partial agent at the path that gets executed. It prints the
// sha256sum line so the provider checks the hash on its side as well.
//
// The script runs under `sh -c` because the login shell may not be a POSIX
// shell; it contains no single quote, so wrapping it in single quotes is
// exact. The temporary name uses the shell's pid so concurrent uploads (two
// provider processes) do not write the same file.
func uploadCommand(id string, bin agentbin.Binary, sudo bool) string {
	if !isHex(bin.SHA256) {
		panic("sshconn: agent sha256 is not hex") // agentbin computes it; never user input
	}
	script := strings.Join([]string{
		"set -e",
		"umask 022",
		"d=" + agentDir(id),
		"t=$d/.upload-$$",
		"mkdir -p $d",
		`trap "rm -f $t" EXIT`,
		"cat > $t",
		"s=$(sha256sum $t)",
		`echo "$s"`,
		`if [ "${s%% *}" != ` + bin.SHA256 + ` ]; then echo "sha256 of the uploaded agent does not match" >&2; exit 1; fi`,
		"chmod 755 $t",
		"mv -f $t $d/" + remoteAgentName,
	}, "; ")
	cmd := "sh -c '" + script + "'"
	if sudo {
		cmd = sudoPrefix + cmd
	}
	return cmd
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil && s != ""
}

// agentSession is the running agent: one SSH session whose stdin and stdout
// carry api frames.
type agentSession struct {
	sess      *ssh.Session
	stdin     io.WriteCloser
	stdout    *bufio.Reader // positioned after the handshake line
	stderr    *ringBuffer
	handshake api.Handshake

	exited  chan struct{} // closed when the session has ended
	exitErr error         // Session.Wait's result, valid once exited is closed
}

// exitDetail describes how the session ended, with its stderr, waiting a
// moment for the exit status to arrive (it follows the stdout EOF).
func (a *agentSession) exitDetail(wait time.Duration) string {
	msg := "agent session still open"
	select {
	case <-a.exited:
		msg = describeExit(a.exitErr)
	case <-time.After(wait):
	}
	return withStderr(msg, a.stderr)
}

func describeExit(err error) string {
	var exit *ssh.ExitError
	var missing *ssh.ExitMissingError
	switch {
	case err == nil:
		return "agent exited with status 0"
	case errors.As(err, &exit):
		if exit.Signal() != "" {
			return "agent killed by signal " + exit.Signal()
		}
		return fmt.Sprintf("agent exited with status %d", exit.ExitStatus())
	case errors.As(err, &missing):
		return "agent session ended without an exit status (connection lost?)"
	default:
		return "agent session ended: " + err.Error()
	}
}

func (a *agentSession) close() {
	_ = a.stdin.Close() // the agent exits on EOF
	select {
	case <-a.exited:
	case <-time.After(2 * time.Second):
	}
	_ = a.sess.Close()
}

// startAgent runs the agent, uploading it first when it is missing or is
// not the build we expect. The upload dance happens at most once.
func (m *Machine) startAgent(ctx context.Context, link *sshLink) (*agentSession, error) {
	id, err := buildID()
	if err != nil {
		return nil, m.stageErr(StageAgentStart, err)
	}
	a, missing, err := m.tryStart(ctx, link, id)
	if err == nil || !missing {
		return a, err
	}
	firstErr := err

	arch, err := m.probe(ctx, link)
	if err != nil {
		return nil, err
	}
	bin, err := agentFor(arch)
	if err != nil {
		return nil, m.stageErr(StageUpload, err)
	}
	if err := m.upload(ctx, link, id, bin); err != nil {
		return nil, err
	}
	a, _, err = m.tryStart(ctx, link, id)
	if err != nil {
		var se *StageError
		if errors.As(err, &se) {
			se.Err = fmt.Errorf("%w (after uploading the agent, which first failed with: %v)", se.Err, errors.Unwrap(firstErr))
		}
		return nil, err
	}
	return a, nil
}

// tryStart starts `… serve` and reads up to its handshake. missing is true
// when an upload could fix the failure: the agent is not there, cannot run,
// or is not the build we expect.
func (m *Machine) tryStart(ctx context.Context, link *sshLink, id string) (a *agentSession, missing bool, err error) {
	sess, err := link.client.NewSession()
	if err != nil {
		return nil, false, m.stageErr(StageAgentStart, fmt.Errorf("opening session: %w", err))
	}
	m.count(func(s *Stats) { s.Sessions++ })
	a = &agentSession{sess: sess, stderr: newRingBuffer(stderrCap), exited: make(chan struct{})}
	sess.Stderr = a.stderr
	if a.stdin, err = sess.StdinPipe(); err == nil {
		var out io.Reader
		if out, err = sess.StdoutPipe(); err == nil {
			a.stdout = bufio.NewReaderSize(out, handshakeMaxBytes)
			err = sess.Start(serveCommand(id, m.cfg.Sudo))
		}
	}
	if err != nil {
		_ = sess.Close()
		return nil, false, m.stageErr(StageAgentStart, err)
	}
	go func() {
		a.exitErr = sess.Wait()
		close(a.exited)
	}()

	type result struct {
		hs    api.Handshake
		noise []string
		err   error
	}
	resc := make(chan result, 1)
	go func() {
		hs, noise, err := readHandshake(a.stdout)
		resc <- result{hs, noise, err}
	}()
	var res result
	timer := time.NewTimer(m.cfg.Timeout)
	defer timer.Stop()
	select {
	case res = <-resc:
	case <-timer.C:
		_ = sess.Close()
		return nil, false, m.stageErr(StageAgentStart, errors.New(withStderr(
			fmt.Sprintf("no handshake from the agent within %s", m.cfg.Timeout), a.stderr)))
	case <-ctx.Done():
		_ = sess.Close()
		return nil, false, m.stageErr(StageAgentStart, ctx.Err())
	}

	switch {
	case errors.Is(res.err, errNoHandshake):
		// The session ended without a handshake: exit 127 from the shell,
		// 126 for a file that cannot run, or sudo's "command not found".
		a.close()
		msg := a.exitDetail(time.Second)
		if len(res.noise) > 0 {
			msg += "; stdout:\n" + strings.Join(res.noise, "\n")
		}
		return nil, true, m.stageErr(StageAgentStart, errors.New(msg))
	case res.err != nil:
		a.close()
		return nil, false, m.stageErr(StageHandshake, errors.New(withStderr(res.err.Error(), a.stderr)))
	case res.hs.Protocol != api.ProtocolVersion || res.hs.Version != version.Version:
		a.close()
		return nil, true, m.stageErr(StageHandshake, fmt.Errorf("agent at %s speaks protocol %d version %q, expected protocol %d version %q",
			agentPath(id), res.hs.Protocol, res.hs.Version, api.ProtocolVersion, version.Version))
	}
	a.handshake = res.hs
	return a, false, nil
}

var errNoHandshake = errors.New("session ended before the agent's handshake")

// readHandshake skips what a login shell may print (motd, profile noise) up
// to the handshake line, within bounds, and returns the skipped lines (the
// last few) for error messages.
func readHandshake(r *bufio.Reader) (api.Handshake, []string, error) {
	var noise []string
	total := 0
	for range handshakeMaxLines {
		line, err := r.ReadSlice('\n')
		total += len(line)
		if errors.Is(err, bufio.ErrBufferFull) || total > handshakeMaxBytes {
			return api.Handshake{}, noise, fmt.Errorf("agent printed more than %d bytes before its handshake", handshakeMaxBytes)
		}
		if len(line) > 0 {
			hs, ok, perr := api.ParseHandshake(string(line))
			if ok {
				return hs, noise, perr
			}
			noise = append(noise, strings.TrimRight(string(line), "\r\n"))
			if len(noise) > 5 {
				noise = noise[1:]
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return api.Handshake{}, noise, errNoHandshake
			}
			return api.Handshake{}, noise, err
		}
	}
	return api.Handshake{}, noise, fmt.Errorf("no agent handshake within the first %d lines of output", handshakeMaxLines)
}

// probe asks the machine for its architecture.
func (m *Machine) probe(ctx context.Context, link *sshLink) (string, error) {
	out, stderr, err := runCommand(ctx, link.client, probeCommand, nil, m.cfg.Timeout)
	if err != nil {
		return "", m.stageErr(StageProbe, errors.New(withStderr(fmt.Sprintf("%s: %v", probeCommand, err), stderr)))
	}
	arch, err := agentbin.ArchFromUname(string(out))
	if err != nil {
		return "", m.stageErr(StageProbe, err)
	}
	return arch, nil
}

// uploadTimeout allows for a ~10 MiB binary over a slow link; the per-step
// Timeout is meant for handshakes, not transfers.
func (m *Machine) uploadTimeout() time.Duration { return max(10*m.cfg.Timeout, time.Minute) }

// upload writes the agent binary to its versioned path.
func (m *Machine) upload(ctx context.Context, link *sshLink, id string, bin agentbin.Binary) error {
	out, stderr, err := runCommand(ctx, link.client, uploadCommand(id, bin, m.cfg.Sudo), bin.Data, m.uploadTimeout())
	if err != nil {
		msg := withStderr(fmt.Sprintf("writing %s: %v", agentPath(id), err), stderr)
		msg += uploadHint(stderr.String(), m.cfg.Sudo, m.cfg.User)
		return m.stageErr(StageUpload, errors.New(msg))
	}
	// Check the remote hash here too: it proves sha256sum ran on what
	// arrived, whatever the remote shell did with the script.
	got := ""
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) >= 1 && len(f[0]) == 64 && isHex(f[0]) {
			got = f[0]
		}
	}
	if got != bin.SHA256 {
		return m.stageErr(StageUpload, fmt.Errorf("sha256 of the uploaded agent on the machine is %q, expected %s (%d bytes sent)", got, bin.SHA256, len(bin.Data)))
	}
	m.count(func(s *Stats) { s.Uploads++ })
	return nil
}

// uploadHint turns the usual reasons an upload fails into the fix.
func uploadHint(stderr string, sudo bool, user string) string {
	switch {
	case !sudo && strings.Contains(stderr, "Permission denied"):
		return fmt.Sprintf("\n(user %q cannot write to %s: log in as root, or set sudo = true)", user, remoteAgentRoot)
	case sudo && strings.Contains(stderr, "sudo") && strings.Contains(stderr, "not found"):
		return "\n(sudo = true, but sudo is not installed on the machine)"
	case sudo && strings.Contains(stderr, "sudo:"):
		return fmt.Sprintf("\n(sudo = true needs passwordless sudo for user %q)", user)
	}
	return ""
}

// runCommand runs one short command in its own session and returns its
// stdout (capped) and stderr (capped).
func runCommand(ctx context.Context, c *ssh.Client, cmd string, stdin []byte, timeout time.Duration) ([]byte, *ringBuffer, error) {
	stderr := newRingBuffer(stderrCap)
	sess, err := c.NewSession()
	if err != nil {
		return nil, stderr, fmt.Errorf("opening session: %w", err)
	}
	defer func() { _ = sess.Close() }()
	stdout := newRingBuffer(handshakeMaxBytes)
	sess.Stdout = stdout
	sess.Stderr = stderr
	if stdin != nil {
		sess.Stdin = bytes.NewReader(stdin)
	}
	errc := make(chan error, 1)
	go func() { errc <- sess.Run(cmd) }()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err = <-errc:
	case <-timer.C:
		return nil, stderr, fmt.Errorf("no answer within %s", timeout)
	case <-ctx.Done():
		return nil, stderr, ctx.Err()
	}
	if err != nil {
		return nil, stderr, errors.New(describeCommandExit(err))
	}
	stdout.mu.Lock()
	defer stdout.mu.Unlock()
	return bytes.Clone(stdout.buf), stderr, nil
}

func describeCommandExit(err error) string {
	var exit *ssh.ExitError
	if errors.As(err, &exit) {
		return fmt.Sprintf("exit status %d", exit.ExitStatus())
	}
	return err.Error()
}

// stageErr classifies err as a failure of stage on the target.
func (m *Machine) stageErr(stage string, err error) *StageError {
	e := &StageError{Stage: stage, Addr: m.cfg.target().String(), Err: err}
	if m.cfg.Bastion != nil {
		e.Via = m.cfg.bastion().String()
	}
	return e
}
