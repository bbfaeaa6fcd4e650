package lab

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The nspawn process must already be in its machine's cgroups when it
// starts (see cgroupRoots), and Go cannot run code between fork and exec.
// So the lab starts its own executable with helperEnv set; this init, which
// runs before main (or the test runner) in any binary that imports lab,
// writes its pid into the cgroups and execs systemd-nspawn, keeping the pid.
//
// Arguments: CGROUP_PROCS_FILE… -- NSPAWN_PATH ARG…
const helperEnv = "SWITCHYARD_LAB_NSPAWN_HELPER"

func init() {
	if os.Getenv(helperEnv) != "1" {
		return
	}
	err := runHelper(os.Args[1:])
	// Only reached on failure; stderr is the machine's console.log.
	fmt.Fprintf(os.Stderr, "switchyard-lab helper: %v\n", err)
	os.Exit(127)
}

func runHelper(args []string) error {
	_ = os.Unsetenv(helperEnv) // not for nspawn and the machine
	i := 0
	for ; i < len(args) && args[i] != "--"; i++ {
		if err := os.WriteFile(args[i], []byte(strconv.Itoa(os.Getpid())), 0); err != nil {
			return fmt.Errorf("join cgroup: %w", err)
		}
	}
	if i+1 >= len(args) {
		return errors.New("no command after --")
	}
	argv := args[i+1:]
	closeInheritedFiles()
	return syscall.Exec(argv[0], argv, os.Environ())
}

// closeInheritedFiles marks every descriptor above stderr close-on-exec.
// Go marks the files it opens itself, but not those this process inherited:
// a lock held by whoever started the tests (flock(1) passes its descriptor
// down) would otherwise live on in the machine for as long as it runs, and
// nobody could take that lock again until the lab went down.
func closeInheritedFiles() {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd)
		}
	}
}

// startInCgroups starts argv detached (own session, stdin /dev/null, output
// to logPath) inside the cgroups dirs, and returns its pid and start time.
// The process is not tied to ctx or to this process: it outlives both.
func startInCgroups(argv []string, cgroups []string, logPath string) (pid int, start uint64, err error) {
	self, err := os.Executable()
	if err != nil {
		return 0, 0, fmt.Errorf("find own executable for the nspawn helper: %w", err)
	}
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, 0, err
	}
	defer func() { _ = logf.Close() }()
	_, _ = fmt.Fprintf(logf, "\n=== switchyard-lab %s: %s\n", time.Now().Format(time.RFC3339), strings.Join(argv, " "))

	var args []string
	for _, cg := range cgroups {
		args = append(args, cg+"/cgroup.procs")
	}
	args = append(append(args, "--"), argv...)
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	cmd.Stdout, cmd.Stderr = logf, logf
	// Own session: no terminal hangup or job-control signal reaches it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	pid = cmd.Process.Pid
	// Reap it if it exits while we still live (tests, restart); after we
	// exit it is reparented.
	go func() { _ = cmd.Wait() }()
	start, err = procStartTime(pid)
	if err != nil {
		return pid, 0, fmt.Errorf("read start time of pid %d (exited at once? see %s): %w", pid, logPath, err)
	}
	return pid, start, nil
}

// procStartTime is field 22 of /proc/PID/stat: start time in clock ticks
// after boot. Together with the pid it names one process for good.
func procStartTime(pid int) (uint64, error) {
	_, fields, err := procStat(pid)
	if err != nil {
		return 0, err
	}
	if len(fields) < 20 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	return strconv.ParseUint(fields[19], 10, 64)
}

// procStat returns the state letter and the fields after it (field 4 on).
func procStat(pid int) (state string, rest []string, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", nil, err
	}
	// The command name (field 2) is in parentheses and may hold anything.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return "", nil, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) == 0 {
		return "", nil, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	return f[0], f, nil
}

// processAlive reports whether pid is still the process that started at
// start and has not exited (a zombie counts as gone).
func processAlive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	state, f, err := procStat(pid)
	if err != nil || state == "Z" || state == "X" || len(f) < 20 {
		return false
	}
	return f[19] == strconv.FormatUint(start, 10)
}

// terminate stops the recorded process: SIGTERM (nspawn then shuts the
// machine down cleanly, ≈ 2–3 s), SIGKILL after grace. It never signals a
// pid whose start time differs from the record.
func terminate(pid int, start uint64, grace time.Duration) error {
	if !processAlive(pid, start) {
		return nil
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("SIGTERM pid %d: %w", pid, err)
	}
	if waitGone(pid, start, grace) {
		return nil
	}
	if processAlive(pid, start) {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("SIGKILL pid %d: %w", pid, err)
		}
	}
	if !waitGone(pid, start, 5*time.Second) {
		return fmt.Errorf("pid %d still alive after SIGKILL", pid)
	}
	return nil
}

func waitGone(pid int, start uint64, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for processAlive(pid, start) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
	return true
}
