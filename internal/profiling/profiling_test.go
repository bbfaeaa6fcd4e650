package profiling

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseVmHWM(t *testing.T) {
	got, err := parseVmHWM([]byte("Name:\tx\nVmPeak:\t  900 kB\nVmHWM:\t   12345 kB\nVmRSS:\t 100 kB\n"))
	if err != nil || got != 12345 {
		t.Fatalf("parseVmHWM = %d, %v; want 12345", got, err)
	}
	if _, err := parseVmHWM([]byte("Name:\tx\n")); err == nil {
		t.Fatal("no VmHWM line: want an error")
	}
}

// With the variable set, one run leaves its three files, named by PID.
func TestStartWritesProfiles(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvDir, dir)
	stop, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for _, pattern := range []string{"cpu-*.pprof", "heap-*.pprof", "mem-*.txt"} {
		m, _ := filepath.Glob(filepath.Join(dir, pattern))
		if len(m) != 1 {
			t.Fatalf("%s: %v, want one file", pattern, m)
		}
		if pattern != "mem-*.txt" {
			continue
		}
		mem, err := os.ReadFile(m[0])
		if err != nil || !strings.HasPrefix(string(mem), "peak_rss_kib ") {
			t.Fatalf("mem file = %q, %v", mem, err)
		}
	}
}

func TestStartOffIsNoop(t *testing.T) {
	t.Setenv(EnvDir, "")
	stop, err := Start()
	if err != nil || stop() != nil {
		t.Fatalf("Start with %s unset: %v", EnvDir, err)
	}
}
