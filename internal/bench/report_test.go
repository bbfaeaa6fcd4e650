package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func TestCommandCounts(t *testing.T) {
	c := Command{SSH: 3, Sessions: []*api.SessionRecord{{Requests: 4, Reloads: 0}, nil, {Requests: 1003, Reloads: 3}}}
	c.Sessions[2].Started, c.Sessions[2].Ended = "2026-11-23T22:00:00.1Z", "2026-11-23T22:00:01.35Z"
	span, ok := c.LastSessionSpan()
	got := []any{c.Requests(), c.Reloads(), c.Found(), c.walks(), span, ok}
	want := []any{int64(1007), int64(3), 2, "2 (4+?+1003)", 1250 * time.Millisecond, true}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestReportTables(t *testing.T) {
	rep := &Report{Machine: "swlab-1", Parallelism: 10, Sizes: []Size{{
		N: 10, Resources: 21, ReloadBound: 3,
		Apply:   Timed{Command: Command{Name: "N=10 apply", Duration: 3 * time.Second, SSH: 1, Sessions: []*api.SessionRecord{{Requests: 22, Reloads: 2}}}, Floor: time.Second},
		Plan:    Timed{Command: Command{Name: "N=10 plan", Duration: time.Second, SSH: 1, Sessions: []*api.SessionRecord{{Requests: 3}}}, Floor: 500 * time.Millisecond},
		Destroy: Timed{}, // not run (the run failed): left out
		Probe:   &Probe{Sent: 100, Failed: 1, Clients: 4, Duration: 3 * time.Second, FirstError: "EOF"},
	}}}
	var text, md strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"3.00×", "1 (22)", "100 sent, 1 failed", "first failure: EOF"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text table lacks %q:\n%s", want, text.String())
		}
	}
	if strings.Contains(text.String(), "destroy") {
		t.Errorf("a command that did not run is in the table:\n%s", text.String())
	}
	wantRow := "| 10 | 21 | apply | 3.00s | 1.00s | 3.00× | 1 | 1 (22) | 22 | 2 | 3 |"
	if !strings.Contains(md.String(), wantRow) {
		t.Errorf("markdown lacks row %q:\n%s", wantRow, md.String())
	}
}
