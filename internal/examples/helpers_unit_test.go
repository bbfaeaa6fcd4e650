package examples

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseWorkers(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"one worker", "#<PID>  <type>  <reloads>\n30  master  5 [failed: 0]  0d00h01m\n# workers\n812  worker  0  0d00h00m01s\n# programs\n", []string{"812"}},
		{"old workers left out", "30 master 6\n# workers\n900 worker 0\n901 worker 0\n# old workers\n812 worker 1\n", []string{"900", "901"}},
		{"none (master restarting)", "", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, parseWorkers(tt.in)); diff != "" {
			t.Errorf("%s: parseWorkers (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestOperationalStates(t *testing.T) {
	const out = "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight\n" +
		"4 bg-app 1 blue-1 127.0.0.1 2 0 1 1 4 6 3 4 6 0 0 0 - 8000 - 0 0 - - 0\n" +
		"4 bg-app 2 green-1 127.0.0.1 0 8 1 1 4 6 3 4 6 0 0 0 - 8000 - 0 0 - - 0\n" +
		"5 other 1 blue-1 127.0.0.1 1 0 1 1 4 6 3 4 6 0 0 0 - 8000 - 0 0 - - 0\n"
	want := map[string]string{"blue-1": "2", "green-1": "0"}
	if diff := cmp.Diff(want, operationalStates(out, "bg-app")); diff != "" {
		t.Errorf("operationalStates (-want +got):\n%s", diff)
	}
}
