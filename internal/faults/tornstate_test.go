package faults

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchyard/terraform-provider-switchyard/internal/tfrun"
)

// A state file cut short by the kill is replaced by its backup, and the
// fault's outcome says so; a whole state file is left alone.
func TestRepairTornState(t *testing.T) {
	for name, tc := range map[string]struct {
		state     string
		wantState string
		wantTorn  bool
	}{
		"torn":  {state: `{"version": 4, "resources": [{"ins`, wantState: `{"version": 4, "serial": 7}`, wantTorn: true},
		"whole": {state: `{"version": 4, "serial": 8}`, wantState: `{"version": 4, "serial": 8}`},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			state := filepath.Join(dir, "terraform.tfstate")
			if err := os.WriteFile(state, []byte(tc.state), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(state+".backup", []byte(`{"version": 4, "serial": 7}`), 0o600); err != nil {
				t.Fatal(err)
			}
			s := &site{t: t, w: &tfrun.Workspace{Dir: dir}}
			o := outcome{name: name}
			s.repairTornState(&o)
			b, err := os.ReadFile(state)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.wantState {
				t.Errorf("terraform.tfstate = %q, want %q", b, tc.wantState)
			}
			if got := strings.Contains(o.tornState, "torn at"); got != tc.wantTorn {
				t.Errorf("outcome.tornState = %q, want torn %v", o.tornState, tc.wantTorn)
			}
		})
	}
}
