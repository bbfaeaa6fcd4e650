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
		"3 be 4 s4 127.0.0.1 2 4 5 0 0 1 0 0 8 0 0 0 - 4\n"
	got, err := ParseServersState(out)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"s1 ready 90", "s2 drain 10", "s3 maint 1", "s4 ready 5"}
	var have []string
	for _, s := range got {
		have = append(have, fmt.Sprintf("%s %s %d", s.Server, s.AdminState(), s.Weight))
	}
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := ParseServersState("Can't find backend.\n"); !errors.Is(err, ErrNoBackend) {
		t.Errorf("unknown backend: %v, want ErrNoBackend", err)
	}
}
