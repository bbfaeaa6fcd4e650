package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// TestSessionLog runs a session that a signal ends while stdin is still
// open, and checks the line it leaves in the session log.
func TestSessionLog(t *testing.T) {
	srv := NewServer(Options{})
	ctx, cancel := context.WithCancel(context.Background())
	reqR, reqW := io.Pipe()
	respR, respW := io.Pipe()
	t.Cleanup(func() { _ = reqW.Close(); _ = respR.Close() })
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, reqR, respW, io.Discard) }()
	client := api.NewClient(respR, reqW)

	// Neither needs a configured session: their failures still count.
	for _, m := range []string{api.MethodHostInfo, api.MethodHostInfo, "no.such.method"} {
		if err := client.Call(context.Background(), m, nil, nil); err == nil {
			t.Fatalf("%s: no error from an unconfigured session", m)
		}
	}
	cancel() // SIGTERM: stdin stays open, the session ends anyway
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}

	path := filepath.Join(t.TempDir(), "run", "sessions.jsonl")
	ended := time.Now()
	for range 2 { // two sessions ending: two lines, appended
		if err := srv.AppendSessionLog(path, ended); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), data)
	}
	// The exact field names are the contract with the benchmark.
	var raw map[string]any
	if err := json.Unmarshal(lines[0], &raw); err != nil {
		t.Fatal(err)
	}
	var fields []string
	for k := range raw {
		fields = append(fields, k)
	}
	if diff := cmp.Diff([]string{"ended", "methods", "peak_rss_kib", "pid", "reloads", "requests", "started"}, fields, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	var got api.SessionRecord
	if err := json.Unmarshal(lines[1], &got); err != nil {
		t.Fatal(err)
	}
	want := api.SessionRecord{
		PID:      os.Getpid(),
		Ended:    ended.UTC().Format(time.RFC3339Nano),
		Requests: 3,
		Methods:  map[string]int64{api.MethodHostInfo: 2, "no.such.method": 1},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(api.SessionRecord{}, "Started", "PeakRSSKiB")); diff != "" {
		t.Errorf("record (-want +got):\n%s", diff)
	}
	// The process's own peak: a Go test binary is megabytes, never 0.
	if got.PeakRSSKiB < 1024 {
		t.Errorf("peak_rss_kib %d, want the process's VmHWM (at least 1 MiB)", got.PeakRSSKiB)
	}
	started, err := time.Parse(time.RFC3339Nano, got.Started)
	if err != nil || started.After(ended) {
		t.Errorf("started %q: %v (ended %s)", got.Started, err, got.Ended)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm()&0o044 != 0o044 {
		t.Errorf("session log mode: %v %v, want readable by all", st.Mode(), err)
	}
}
