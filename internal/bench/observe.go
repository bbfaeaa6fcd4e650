package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// What one terraform command cost on the machine is read from two logs
// there: sshd's journal (SSH connections) and the agent's session log
// (api.SessionLogPath: one line per agent session, with its request and
// reload counts). Other tests use the same machine at the same time, so
// both are filtered down to this run's connections:
//   - the provider logs in with a key made for this run only, so sshd's
//     "Accepted publickey … <fingerprint>" lines with that fingerprint are
//     exactly the provider's connections;
//   - an agent session is this run's when it started just after one of
//     those connections was accepted and ended just before it closed
//     (the provider starts one agent per connection and the agent ends
//     when the provider closes it). Sessions carry no connection id, so
//     this is a match by time; the closest one wins.

// sshConn is one SSH connection sshd accepted with the run's key.
type sshConn struct {
	PID      int       // sshd's per-connection process, in every line about it
	Port     int       // the client's port
	Accepted time.Time // "Accepted publickey"
	Closed   time.Time // the last of "Disconnected from user" and PAM's "session closed" (zero while open)
}

// journalEntry is the part of `journalctl -o json` the parser needs.
type journalEntry struct {
	Realtime string `json:"__REALTIME_TIMESTAMP"` // microseconds since the epoch
	PID      string `json:"_PID"`
	Message  any    `json:"MESSAGE"` // a string, or bytes as a number array
}

var (
	acceptedRE     = regexp.MustCompile(`^Accepted publickey for \S+ from \S+ port (\d+) ssh2: \S+ (\S+)`)
	disconnectedRE = regexp.MustCompile(`^Disconnected from user \S+ \S+ port (\d+)`)
	// When the client just closes the connection sshd may log no
	// "Disconnected" line, only PAM's.
	sessionClosedRE = regexp.MustCompile(`^pam_unix\(sshd:session\): session closed for user`)
)

// parseSSHJournal returns the connections accepted with the key whose
// fingerprint is given ("SHA256:…") at or after since, in order.
func parseSSHJournal(out, fingerprint string, since time.Time) ([]sshConn, error) {
	byPID := map[int]*sshConn{}
	var order []int
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var e journalEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			return nil, fmt.Errorf("journal line %q: %w", line, err)
		}
		msg, ok := e.Message.(string)
		if !ok {
			continue
		}
		us, err1 := strconv.ParseInt(e.Realtime, 10, 64)
		pid, err2 := strconv.Atoi(e.PID)
		if err1 != nil || err2 != nil {
			continue
		}
		at := time.UnixMicro(us)
		if m := acceptedRE.FindStringSubmatch(msg); m != nil {
			if m[2] != fingerprint || at.Before(since) {
				continue
			}
			port, _ := strconv.Atoi(m[1])
			byPID[pid] = &sshConn{PID: pid, Port: port, Accepted: at}
			order = append(order, pid)
			continue
		}
		c := byPID[pid]
		if c == nil {
			continue
		}
		closed := sessionClosedRE.MatchString(msg)
		if m := disconnectedRE.FindStringSubmatch(msg); m != nil {
			port, _ := strconv.Atoi(m[1])
			closed = port == c.Port
		}
		if closed && at.After(c.Closed) {
			c.Closed = at
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	conns := make([]sshConn, 0, len(order))
	for _, pid := range order {
		conns = append(conns, *byPID[pid])
	}
	return conns, nil
}

// session is one parsed line of the agent's session log.
type session struct {
	api.SessionRecord
	Start, End time.Time
}

// parseSessionLog parses session log lines; lines it cannot read (a line
// cut by a concurrent append being read) are skipped and counted.
func parseSessionLog(out string) (sessions []session, skipped int) {
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		var r api.SessionRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			skipped++
			continue
		}
		s, err1 := time.Parse(time.RFC3339Nano, r.Started)
		e, err2 := time.Parse(time.RFC3339Nano, r.Ended)
		if err1 != nil || err2 != nil {
			skipped++
			continue
		}
		sessions = append(sessions, session{SessionRecord: r, Start: s, End: e})
	}
	return sessions, skipped
}

// Tolerances of the time match. The agent starts after the connection is
// up (after an upload of the agent when its build changed: seconds) and
// ends before sshd logs the disconnect (milliseconds).
const (
	startSlack = 30 * time.Second
	endSlack   = 30 * time.Second
	clockSlack = 250 * time.Millisecond // journald and the agent stamp at slightly different moments
)

// matchSessions assigns to each connection at most one session: one that
// started within startSlack after the connection was accepted and ended
// within endSlack before it closed, the closest first. It returns the
// matched sessions in the order of the connections (nil where none).
func matchSessions(conns []sshConn, sessions []session) []*session {
	type pair struct {
		c, s  int
		score time.Duration
	}
	var pairs []pair
	for ci, c := range conns {
		if c.Closed.IsZero() {
			continue
		}
		for si, s := range sessions {
			d1 := s.Start.Sub(c.Accepted)
			d2 := c.Closed.Sub(s.End)
			if d1 < -clockSlack || d1 > startSlack || d2 < -clockSlack || d2 > endSlack {
				continue
			}
			pairs = append(pairs, pair{ci, si, d1.Abs() + d2.Abs()})
		}
	}
	sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].score < pairs[j].score })
	out := make([]*session, len(conns))
	used := make([]bool, len(sessions))
	for _, p := range pairs {
		if out[p.c] != nil || used[p.s] {
			continue
		}
		used[p.s] = true
		s := sessions[p.s]
		out[p.c] = &s
	}
	return out
}

// workerPIDs parses the master CLI's `show proc`: the current workers' PIDs
// (the section "# workers", not "# old workers"), sorted.
func workerPIDs(showProc string) []int {
	var pids []int
	section := ""
	for _, line := range strings.Split(showProc, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			section = strings.TrimSpace(strings.TrimPrefix(line, "#"))
			continue
		}
		f := strings.Fields(line)
		if section != "workers" || len(f) < 2 || f[1] != "worker" {
			continue
		}
		if pid, err := strconv.Atoi(f[0]); err == nil {
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids)
	return pids
}
