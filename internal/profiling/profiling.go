// Package profiling lets a benchmark see where the provider's time and
// memory go (issue 15): with SWITCHYARD_PPROF set to a directory, the
// provider process writes a CPU profile for its whole life, and at exit a
// heap profile and its peak resident memory. Terraform starts the provider
// several times per command (validate, plan, apply walks), so every file is
// named after the process ID.
package profiling

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

// EnvDir is the environment variable naming the output directory.
const EnvDir = "SWITCHYARD_PPROF"

// Start begins profiling when EnvDir is set, and returns the function that
// ends it (to call once the provider's server has returned). With EnvDir
// unset it does nothing and returns a no-op.
func Start() (stop func() error, err error) {
	dir := os.Getenv(EnvDir)
	if dir == "" {
		return func() error { return nil }, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%s: %w", EnvDir, err)
	}
	pid := os.Getpid()
	cpu, err := os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", pid)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvDir, err)
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		_ = cpu.Close()
		return nil, fmt.Errorf("%s: %w", EnvDir, err)
	}
	return func() error {
		pprof.StopCPUProfile()
		cpuErr := cpu.Close()
		runtime.GC() // the heap profile then shows what is live, not garbage
		heapErr := writeFile(filepath.Join(dir, fmt.Sprintf("heap-%d.pprof", pid)), func(f *os.File) error {
			return pprof.WriteHeapProfile(f)
		})
		memErr := writeFile(filepath.Join(dir, fmt.Sprintf("mem-%d.txt", pid)), func(f *os.File) error {
			hwm, err := PeakRSS()
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(f, "peak_rss_kib %d\n", hwm)
			return err
		})
		return errors.Join(cpuErr, heapErr, memErr)
	}, nil
}

func writeFile(path string, write func(*os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// PeakRSS is the process's peak resident set (VmHWM), in KiB: what the
// kernel saw, including the Go runtime's own overhead that MemStats leaves
// out. The agent reports it in its session log line too.
func PeakRSS() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	return parseVmHWM(b)
}

// parseVmHWM reads the VmHWM line of a /proc/<pid>/status text, in KiB.
func parseVmHWM(status []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		var kib int64
		if n, _ := fmt.Sscanf(sc.Text(), "VmHWM: %d kB", &kib); n == 1 {
			return kib, nil
		}
	}
	return 0, fmt.Errorf("no VmHWM line in /proc/self/status")
}
