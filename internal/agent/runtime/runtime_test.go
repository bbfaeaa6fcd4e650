package runtime

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseShowMap(t *testing.T) {
	for _, tc := range []struct {
		name    string
		out     string
		want    []Entry
		wantErr error
	}{
		{"empty", "\n", []Entry{}, nil},
		{"entries", "0x55 vip deluxe\n0x56 john a b c\n\n", []Entry{{"vip", "deluxe"}, {"john", "a b c"}}, nil},
		{"not loaded", "Unknown map identifier. Please use #<id> or <file>.\n\n", nil, ErrNotLoaded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseShowMap(tc.out)
			if err != tc.wantErr {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := ParseShowMap("Permission denied\n"); err == nil || err == ErrNotLoaded {
		t.Errorf("a refusal must be an error other than ErrNotLoaded, got %v", err)
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain":   "plain",
		"a b":     `a\ b`,
		"x;y":     `x\;y`,
		`back\sl`: `back\\sl`,
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPayloads(t *testing.T) {
	entries := []Entry{{"a", "1"}, {"b", "2"}, {"c", "3"}}
	for _, tc := range []struct {
		max  int
		want []string
	}{
		{100, []string{"a 1\nb 2\nc 3\n"}},
		{8, []string{"a 1\nb 2\n", "c 3\n"}},
		{1, []string{"a 1\n", "b 2\n", "c 3\n"}},
	} {
		if diff := cmp.Diff(tc.want, Payloads(entries, tc.max)); diff != "" {
			t.Errorf("max %d (-want +got):\n%s", tc.max, diff)
		}
	}
	if got := Payloads(nil, 10); got != nil {
		t.Errorf("no entries: got %q, want none", got)
	}
}

func TestParseServersState(t *testing.T) {
	// As HAProxy 2.6.12 prints it (columns cut after srv_port).
	out := "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port\n" +
		"3 be 1 s1 127.0.0.1 2 0 90 90 12 1 0 0 0 0 0 0 - 1\n" +
		"3 be 2 s2 127.0.0.1 0 8 10 10 12 1 0 0 0 0 0 0 - 2\n" +
		"3 be 3 s3 127.0.0.1 0 5 1 1 12 1 0 0 0 0 0 0 - 3\n" +
		// `disabled` in the file, then `set server … state ready`.
		"3 be 4 s4 127.0.0.2 2 4 5 0 0 1 0 0 8 0 0 0 - 4\n" +
		// Added at runtime without a port.
		"3 be 5 s5 ::1 0 1 1 1 12 1 0 0 0 0 0 0 - 0\n"
	got, err := ParseServersState(out)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"s1 ready 90 127.0.0.1:1", "s2 drain 10 127.0.0.1:2", "s3 maint 1 127.0.0.1:3", "s4 ready 5 127.0.0.2:4", "s5 maint 1 ::1:0"}
	var have []string
	for _, s := range got {
		have = append(have, fmt.Sprintf("%s %s %d %s:%d", s.Server, s.AdminState(), s.Weight, s.Address, s.Port))
	}
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := ParseServersState("Can't find backend.\n"); !errors.Is(err, ErrNoBackend) {
		t.Errorf("unknown backend: %v, want ErrNoBackend", err)
	}
}

func TestServerCommandLines(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{SetServerAddrLine("be", "s1", "127.0.0.2", 8081), "set server be/s1 addr 127.0.0.2 port 8081"},
		{SetServerAddrLine("be", "s1", "::1", 0), "set server be/s1 addr ::1"},
		{AddServerLine("be", "s3", "127.0.0.1:8082", []string{"check", "inter 500", "weight 7"}), "add server be/s3 127.0.0.1:8082 check inter 500 weight 7"},
		{AddServerLine("be", "s 4", "10.0.0.1", nil), `add server be/s\ 4 10.0.0.1`},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestParseSessions(t *testing.T) {
	// `show stat be 4 -1` on 2.6.12, columns cut after stot.
	out := "# pxname,svname,qcur,qmax,scur,smax,slim,stot\n" +
		"be,old,0,0,1,1,,3\n" +
		"be,new,0,0,0,2,,7\n" +
		"other,old,0,0,5,5,,5\n" +
		"be,BACKEND,0,0,1,2,,10\n"
	got, err := ParseSessions(out, "be")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int64{"old": 1, "new": 0}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := ParseSessions("Unknown command.\n", "be"); err == nil {
		t.Error("an error message parsed as sessions")
	}
}
