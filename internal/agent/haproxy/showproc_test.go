package haproxy

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseShowProc(t *testing.T) {
	tests := []struct {
		name    string
		file    string // captured from haproxy 2.6.12 on Debian 12
		text    string
		want    ProcList
		wantErr bool
	}{
		{
			name: "reload with a connection keeping the old worker",
			file: "testdata/showproc-oldworkers.txt",
			want: ProcList{MasterPID: 5638, MasterReloads: 1, MasterFailed: 0, Workers: []int{5653}, OldWorkers: []int{5641}},
		},
		{
			name: "after a failed reload (cannot bind)",
			file: "testdata/showproc-failed.txt",
			want: ProcList{MasterPID: 1480, MasterReloads: 3, MasterFailed: 1, Workers: []int{1906}},
		},
		{
			name: "several workers, no failed counter, CRLF",
			text: "#<PID>  <type>  <reloads>  <uptime>  <version>\r\n10 master 0 0d00h00m01s 2.4.0\r\n# workers\r\n12 worker 0 0d 2.4.0\r\n11 worker 0 0d 2.4.0\r\n# programs\r\n20 program 0 0d -\r\n",
			want: ProcList{MasterPID: 10, MasterReloads: 0, MasterFailed: -1, Workers: []int{11, 12}},
		},
		{name: "unknown command", text: "Unknown command, but maybe one of the following ones is a better match:\n  show proc\n", wantErr: true},
		{name: "empty (master re-executing)", text: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := tt.text
			if tt.file != "" {
				b, err := os.ReadFile(tt.file)
				if err != nil {
					t.Fatal(err)
				}
				text = string(b)
			}
			got, err := ParseShowProc(text)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseShowProc() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
