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
