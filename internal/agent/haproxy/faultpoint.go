package haproxy

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// faultDir holds fault points: files that make the agent stop at a moment
// no outside fault can aim at, for the fault suite (internal/faults). It is
// under /run (gone at reboot) and only a file owned by root counts, so
// nobody but root on the machine can arm one.
const faultDir = "/run/switchyard/faults"

// faultExitAfterCommit is the point between writing haproxy.cfg and
// reloading HAProxy: the agent dies as if killed there.
const faultExitAfterCommit = "exit-after-commit"

// faultExitCode tells a fault point's exit from a crash in the agent's
// stderr and exit status.
const faultExitCode = 86

// faultPoint exits the agent when the fault point's file exists. The file
// is removed first, so that the point fires once and the next session runs
// normally.
func faultPoint(name string) {
	p := filepath.Join(faultDir, name)
	fi, err := os.Lstat(p)
	if err != nil || !fi.Mode().IsRegular() {
		return
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); !ok || st.Uid != 0 {
		return
	}
	if os.Remove(p) != nil {
		return
	}
	fmt.Fprintf(os.Stderr, "switchyard-agent: fault point %s: exiting\n", name)
	os.Exit(faultExitCode)
}
