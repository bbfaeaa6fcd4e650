package systemctl

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExecFailureNamesTheCommandAndKeepsTheOutput: callers put the error
// in front of a person, so it must say which systemctl call failed and
// what systemctl said. An unknown verb fails without touching systemd.
func TestExecFailureNamesTheCommandAndKeepsTheOutput(t *testing.T) {
	if _, err := exec.LookPath("systemctl"); err != nil {
		t.Fatalf("install systemd (make deps): %v", err)
	}
	out, err := Exec{}.Run(context.Background(), "no-such-verb", "x.service")
	if err == nil {
		t.Fatal("an unknown verb succeeded")
	}
	if !strings.Contains(err.Error(), "systemctl no-such-verb x.service") || out == "" || !strings.Contains(err.Error(), out) {
		t.Errorf("error %q, output %q: want the command and the output in the error", err, out)
	}
}

func TestFakeRecordsArgumentLists(t *testing.T) {
	f := &Fake{}
	if _, err := f.Run(context.Background(), "restart", "--", "a b.service"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]string{{"restart", "--", "a b.service"}}, f.Calls()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}
