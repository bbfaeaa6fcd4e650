package cliexec

import (
	"context"
	"strings"
	"testing"
	"time"
)

func sh(dir string) Command { return Command{Tool: "sh", Path: "/bin/sh", Dir: dir} }

func TestRunKeepsOutputAndExitCode(t *testing.T) {
	r, err := sh(t.TempDir()).Run(context.Background(), []byte("from stdin"), "-c", `cat; echo; echo "err" >&2; pwd; exit 3`)
	if err != nil {
		t.Fatalf("a non-zero exit is not an error of Run: %v", err)
	}
	if r.ExitCode != 3 || !strings.HasPrefix(r.Stdout, "from stdin\n") || r.Stderr != "err\n" || r.Tool != "sh" || r.Duration <= 0 {
		t.Errorf("result %+v, want exit 3, stdin echoed, stderr err", r)
	}
	if _, err := Check(r, nil); err == nil || !strings.Contains(err.Error(), "sh -c") || !strings.Contains(err.Error(), "exit 3") || !strings.Contains(err.Error(), "--- stderr\nerr") {
		t.Errorf("Check of exit 3: %v, want the command, its code and its output", err)
	}
	if _, err := Check(sh("").Run(context.Background(), nil, "-c", "exit 0")); err != nil {
		t.Errorf("Check of exit 0: %v", err)
	}
}

func TestRunErrors(t *testing.T) {
	if _, err := (Command{Tool: "nothing", Path: "/nonexistent/tool"}).Run(context.Background(), nil, "x"); err == nil || !strings.Contains(err.Error(), "nothing x") {
		t.Errorf("missing binary: err = %v, want one naming the command", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := sh("").Run(ctx, nil, "-c", "exec sleep 5"); err == nil {
		t.Error("a command cut by its context gave no error")
	}
}
