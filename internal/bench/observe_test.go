package bench

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

var t0 = time.Date(2026, 11, 23, 22, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

func journalLine(ms, pid int, msg string) string {
	b, _ := json.Marshal(map[string]string{
		"__REALTIME_TIMESTAMP": fmt.Sprint(at(ms).UnixMicro()),
		"_PID":                 fmt.Sprint(pid),
		"MESSAGE":              msg,
	})
	return string(b)
}

func TestParseSSHJournal(t *testing.T) {
	const ours, theirs = "SHA256:ours", "SHA256:theirs"
	out := strings.Join([]string{
		journalLine(-500, 9, "Accepted publickey for root from 10.147.83.1 port 40000 ssh2: ED25519 "+ours), // before the mark
		journalLine(100, 10, "Accepted publickey for root from 10.147.83.1 port 40001 ssh2: ED25519 "+ours),
		journalLine(150, 11, "Accepted publickey for root from 10.147.83.1 port 40002 ssh2: ED25519 "+theirs),
		journalLine(200, 12, "Accepted publickey for root from 10.147.83.1 port 40003 ssh2: ED25519 "+ours),
		journalLine(900, 10, "pam_unix(sshd:session): session closed for user root"),
		journalLine(950, 11, "Disconnected from user root 10.147.83.1 port 40002"),
		journalLine(1000, 12, "Received disconnect from 10.147.83.1 port 40003:11: disconnected by user"),
		journalLine(1001, 12, "Disconnected from user root 10.147.83.1 port 40003"),
		journalLine(1002, 12, "pam_unix(sshd:session): session closed for user root"),
		`{"__REALTIME_TIMESTAMP":"1","_PID":"13","MESSAGE":[1,2,3]}`, // binary message
		"",
	}, "\n")
	got, err := parseSSHJournal(out, ours, t0)
	if err != nil {
		t.Fatal(err)
	}
	want := []sshConn{
		{PID: 10, Port: 40001, Accepted: at(100), Closed: at(900)},
		{PID: 12, Port: 40003, Accepted: at(200), Closed: at(1002)},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("connections (-want +got):\n%s", d)
	}
	if _, err := parseSSHJournal("not json\n", ours, t0); err == nil {
		t.Error("a line that is not JSON: no error")
	}
}

func TestParseSessionLog(t *testing.T) {
	out := `{"pid":5,"started":"2026-11-23T22:00:00.1Z","ended":"2026-11-23T22:00:01Z","requests":7,"reloads":1,"methods":{"agent.configure":1}}
{"pid":6,"started":"2026-11-23T22:00:00.2Z","ended":"2026-11-23T22:00:0
{"pid":7,"started":"yesterday","ended":"2026-11-23T22:00:01Z"}
`
	got, skipped := parseSessionLog(out)
	want := []session{{
		SessionRecord: api.SessionRecord{PID: 5, Started: "2026-11-23T22:00:00.1Z", Ended: "2026-11-23T22:00:01Z", Requests: 7, Reloads: 1, Methods: map[string]int64{"agent.configure": 1}},
		Start:         at(100), End: at(1000),
	}}
	if d := cmp.Diff(want, got); d != "" || skipped != 2 {
		t.Errorf("sessions (-want +got):\n%s\nskipped %d, want 2", d, skipped)
	}
}

func TestMatchSessions(t *testing.T) {
	sess := func(pid, start, end int) session {
		return session{SessionRecord: api.SessionRecord{PID: pid}, Start: at(start), End: at(end)}
	}
	conns := []sshConn{
		{PID: 1, Accepted: at(0), Closed: at(5000)},
		{PID: 2, Accepted: at(6000), Closed: at(9000)},
		{PID: 3, Accepted: at(9500)}, // still open: no session yet
	}
	tests := []struct {
		name     string
		sessions []session
		want     []int // matched session PIDs per connection, 0 = none
	}{
		{"exact", []session{sess(100, 50, 4990), sess(200, 6100, 8990)}, []int{100, 200, 0}},
		{"closest wins over another test's session inside the connection", []session{sess(300, 1000, 3000), sess(100, 50, 4990)}, []int{100, 0, 0}},
		{"a session that outlives the connection is not ours", []session{sess(400, 50, 7000)}, []int{0, 0, 0}},
		{"a session that started before the connection is not ours", []session{sess(500, -1000, 4990)}, []int{0, 0, 0}},
		{"none", nil, []int{0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int
			for _, s := range matchSessions(conns, tt.sessions) {
				if s == nil {
					got = append(got, 0)
				} else {
					got = append(got, s.PID)
				}
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("matched (-want +got):\n%s", d)
			}
		})
	}
}

// Two connections open at the same time (terraform's walks can overlap):
// a session goes to one of them only, the one it fits best.
func TestMatchSessionsOverlapping(t *testing.T) {
	conns := []sshConn{
		{PID: 1, Accepted: at(0), Closed: at(9000)},
		{PID: 2, Accepted: at(100), Closed: at(8900)},
	}
	got := matchSessions(conns, []session{{SessionRecord: api.SessionRecord{PID: 7}, Start: at(150), End: at(8950)}})
	if got[0] != nil || got[1] == nil || got[1].PID != 7 {
		t.Errorf("matched %v, want the session on the second connection only", got)
	}
}

func TestWorkerPIDs(t *testing.T) {
	const out = `#<PID>          <type>          <reloads>       <uptime>        <version>
30              master          534 [failed: 0] 0d00h28m31s     2.6.12-1+deb12u3
# workers
10497           worker          0               0d00h00m23s     2.6.12-1+deb12u3
10401           worker          1               0d00h00m23s     2.6.12-1+deb12u3
# old workers
10300           worker          2               0d00h01m23s     2.6.12-1+deb12u3
# programs

`
	if d := cmp.Diff([]int{10401, 10497}, workerPIDs(out)); d != "" {
		t.Errorf("workers (-want +got):\n%s", d)
	}
	if got := workerPIDs(""); got != nil {
		t.Errorf("no output: %v, want none", got)
	}
}

func TestParseShowMap(t *testing.T) {
	out := "0x55d0c8a1b2c0 k00000 g1-0\n0x55d0c8a1b300 k00001 g1-1\n\nUnknown map identifier.\n"
	want := map[string]string{"k00000": "g1-0", "k00001": "g1-1"}
	if d := cmp.Diff(want, parseShowMap(out)); d != "" {
		t.Errorf("entries (-want +got):\n%s", d)
	}
}
