package bench

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
)

// Files on the lab machine the benchmark reads or changes.
const (
	authorizedKeys = "/root/.ssh/authorized_keys"
	masterSocket   = "/run/haproxy-master.sock"
	adminSocket    = "/run/haproxy/admin.sock"
)

// runKey is the SSH key the provider uses during one run: made for the run,
// authorized on the machine for its duration, so that sshd's log tells the
// run's connections from those of the other tests on the machine.
type runKey struct {
	path        string // private key file (OpenSSH format, 0600)
	line        string // authorized_keys line, ending in the run's comment
	comment     string
	fingerprint string // "SHA256:…", as sshd logs it
}

func newRunKey(dir, tag string) (runKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return runKey{}, err
	}
	comment := "switchyard-bench-" + tag
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return runKey{}, err
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return runKey{}, err
	}
	k := runKey{
		path:        filepath.Join(dir, "bench_ed25519"),
		line:        strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub))) + " " + comment,
		comment:     comment,
		fingerprint: ssh.FingerprintSHA256(sshPub),
	}
	return k, os.WriteFile(k.path, pem.EncodeToMemory(block), 0o600)
}

// authorize appends the key to root's authorized_keys on m.
func (k runKey) authorize(ctx context.Context, m lab.Machine) error {
	_, _, err := m.Run(ctx, "sh", "-c", `printf '%s\n' "$1" >>"$2"`, "sh", k.line, authorizedKeys)
	return err
}

// revoke removes the key's line (and only it) again.
func (k runKey) revoke(ctx context.Context, m lab.Machine) error {
	_, _, err := m.Run(ctx, "sed", "-i", "\\| "+k.comment+"$|d", authorizedKeys)
	return err
}

// mark is where the machine's logs stood when a command started.
type mark struct {
	start     time.Time
	logOffset int64
}

// markNow records the session log's size and the time.
func markNow(ctx context.Context, m lab.Machine) (mark, error) {
	out, _, err := m.Run(ctx, "sh", "-c", `stat -c %s "$1" 2>/dev/null || echo 0`, "sh", api.SessionLogPath)
	if err != nil {
		return mark{}, err
	}
	off, err := strconv.ParseInt(strings.TrimSpace(out), 10, 64)
	if err != nil {
		return mark{}, fmt.Errorf("session log size %q: %w", out, err)
	}
	return mark{start: time.Now(), logOffset: off}, nil
}

// observed is what the machine's logs say about one command.
type observed struct {
	conns    []sshConn
	sessions []*session // per connection; nil: no session found for it
	skipped  int        // unreadable session log lines
}

// collectWait bounds the wait for the provider's last disconnect and the
// agents' session log lines, which come after terraform exits.
const collectWait = 20 * time.Second

// collect reads sshd's journal and the session log since mk until every
// connection of the run's key has closed and has its session, or until
// collectWait has passed.
func collect(ctx context.Context, m lab.Machine, k runKey, mk mark) (observed, error) {
	deadline := time.Now().Add(collectWait)
	for {
		o, err := collectOnce(ctx, m, k, mk)
		if err != nil {
			return o, err
		}
		done := true
		for i := range o.conns {
			if o.conns[i].Closed.IsZero() || o.sessions[i] == nil {
				done = false
			}
		}
		if done || time.Now().After(deadline) {
			return o, nil
		}
		select {
		case <-ctx.Done():
			return o, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// logSeparator splits the journal from the session log in collectOnce's
// output (neither contains it: journal lines are JSON objects, session log
// lines too).
const logSeparator = "--switchyard-bench--"

// collectOnce reads both logs in one SSH command: the benchmark's own
// connections (with the lab key, not the run's) are noise in the journal
// for everyone else.
func collectOnce(ctx context.Context, m lab.Machine, k runKey, mk mark) (observed, error) {
	// sshd's lines are selected by their syslog identifier, not with
	// `-u ssh`: journald attributes a line to a unit from the sending
	// process's cgroup, which it may no longer read when the per-connection
	// process logs "session closed" and exits at once, so that line (the
	// close a session is matched by) was sometimes missing from the unit's
	// view while other tests kept the machine busy.
	const script = `journalctl SYSLOG_IDENTIFIER=sshd SYSLOG_IDENTIFIER=sshd-session -o json --no-pager --since "$1" || exit 1
echo "$4"
if [ "$(stat -c %s "$2" 2>/dev/null || echo 0)" -lt "$3" ]; then cat "$2"; else tail -c +"$(($3 + 1))" "$2"; fi 2>/dev/null || true`
	since := "@" + strconv.FormatInt(mk.start.Unix()-1, 10)
	out, _, err := m.Run(ctx, "sh", "-c", script, "sh", since, api.SessionLogPath, strconv.FormatInt(mk.logOffset, 10), logSeparator)
	if err != nil {
		return observed{}, err
	}
	jout, sout, ok := strings.Cut(out, logSeparator+"\n")
	if !ok {
		return observed{}, fmt.Errorf("reading the machine's logs: no separator in the output")
	}
	conns, err := parseSSHJournal(jout, k.fingerprint, mk.start)
	if err != nil {
		return observed{}, err
	}
	sessions, skipped := parseSessionLog(sout)
	return observed{conns: conns, sessions: matchSessions(conns, sessions), skipped: skipped}, nil
}

// workers returns HAProxy's current worker PIDs from the master CLI. Other
// tests on the machine restart HAProxy now and then, so a refused
// connection is retried for a few seconds.
func workers(ctx context.Context, m lab.Machine) ([]int, error) {
	var err error
	for range 10 {
		var out string
		out, _, err = m.Run(ctx, "sh", "-c", `echo "show proc" | socat -t 2 stdio "unix-connect:$1"`, "sh", masterSocket)
		if err == nil {
			return workerPIDs(out), nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
	return nil, err
}

// runtimeMap returns the running HAProxy's entries of the map file at path
// (`show map` on the admin socket), key to value.
func runtimeMap(ctx context.Context, m lab.Machine, path string) (map[string]string, error) {
	out, _, err := m.Run(ctx, "sh", "-c", `echo "show map $1" | socat -t 2 stdio "unix-connect:$2"`, "sh", path, adminSocket)
	if err != nil {
		return nil, err
	}
	return parseShowMap(out), nil
}

// parseShowMap parses `show map <file>` lines: "<ref> <key> <value>".
func parseShowMap(out string) map[string]string {
	entries := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && strings.HasPrefix(f[0], "0x") {
			entries[f[1]] = f[2]
		}
	}
	return entries
}

// removeIfEmpty deletes the file at path when it is empty: the map file
// the last switchyard_map_entry leaves behind.
func removeIfEmpty(ctx context.Context, m lab.Machine, path string) error {
	_, _, err := m.Run(ctx, "find", path, "-maxdepth", "0", "-type", "f", "-size", "0", "-delete")
	return err
}
