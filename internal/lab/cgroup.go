package lab

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cgroupParent groups the machines' cgroups in every hierarchy.
const cgroupParent = "switchyard-lab"

// Each machine's nspawn must start in a cgroup of its own: two nspawns that
// share one (the box's root) both create /payload and /supervisor there and
// break each other. Only the hierarchies systemd inside the machine uses
// matter: the named v1 "systemd" one and the v2 one (on this box both are
// mounted, under /sys/fs/cgroup/systemd and /sys/fs/cgroup/unified).
func cgroupRoots() ([]string, error) {
	mi, err := readMountInfo()
	if err != nil {
		return nil, fmt.Errorf("find cgroup hierarchies: %w", err)
	}
	var roots []string
	for _, m := range mi {
		switch {
		case m.FSType == "cgroup2":
			roots = append(roots, m.Target)
		case m.FSType == "cgroup" && strings.Contains(","+m.SuperOptions+",", ",name=systemd,"):
			roots = append(roots, m.Target)
		}
	}
	if len(roots) == 0 {
		return nil, fmt.Errorf("find cgroup hierarchies: neither cgroup2 nor the name=systemd hierarchy is mounted")
	}
	sort.Strings(roots)
	return roots, nil
}

func machineCgroups(roots []string, name string) []string {
	var out []string
	for _, r := range roots {
		out = append(out, filepath.Join(r, cgroupParent, name))
	}
	return out
}

// cgroupProcs lists every process in dir and its descendants.
func cgroupProcs(dir string) []int {
	var pids []int
	// A cgroup that goes away during the walk (its last process exited)
	// has nothing left to list, so unreadable entries are skipped.
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, walkErr error) error {
		if walkErr == nil && d.IsDir() {
			pids = append(pids, procsIn(filepath.Join(p, "cgroup.procs"))...)
		}
		return nil
	})
	return pids
}

// procsIn reads one cgroup.procs file; nothing when it cannot be read.
func procsIn(path string) []int {
	b, _ := os.ReadFile(path)
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// killCgroups SIGKILLs whatever is left in the machine's cgroups (they are
// in the records, so everything in them is the lab's) until they are empty.
func killCgroups(dirs []string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var left []int
		for _, d := range dirs {
			left = append(left, cgroupProcs(d)...)
		}
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %v still in %s after SIGKILL", left, strings.Join(dirs, ", "))
		}
		for _, pid := range left {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// removeCgroups removes the directories below each dir, deepest first (the
// machine's systemd makes its own tree there), then dir itself unless
// keepTop, then the shared parent if it became empty.
func removeCgroups(dirs []string, keepTop bool) error {
	var errs []error
	for _, top := range dirs {
		var sub []string
		_ = filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() && (p != top || !keepTop) {
				sub = append(sub, p)
			}
			return nil
		})
		sort.Slice(sub, func(i, j int) bool { return strings.Count(sub[i], "/") > strings.Count(sub[j], "/") })
		for _, p := range sub {
			if err := rmdirRetry(p); err != nil {
				errs = append(errs, fmt.Errorf("remove cgroup: %w", err))
			}
		}
		if !keepTop {
			// Shared by all machines: only goes when the last one has.
			_ = syscall.Rmdir(filepath.Dir(top))
		}
	}
	return errors.Join(errs...)
}

// rmdirRetry retries EBUSY for a moment: a cgroup stays busy until the
// kernel has finished reaping its last process.
func rmdirRetry(p string) error {
	deadline := time.Now().Add(3 * time.Second)
	for {
		err := syscall.Rmdir(p)
		if err == nil || errors.Is(err, syscall.ENOENT) {
			return nil
		}
		if !errors.Is(err, syscall.EBUSY) || time.Now().After(deadline) {
			return fmt.Errorf("rmdir %s: %w", p, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
