package tfrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Started is a terraform command running in its own process group, so that
// a test can kill it as a CI runner's timeout does: terraform and the
// provider processes it started, all at once, with SIGKILL.
type Started struct {
	cmd            *exec.Cmd
	args           []string
	stdout, stderr bytes.Buffer
	start          time.Time
	done           chan struct{}
	res            Result
	err            error
}

// Start starts terraform with args (all of them: "apply", "-auto-approve", …)
// in the root module and returns at once.
func (w *Workspace) Start(ctx context.Context, args ...string) (*Started, error) {
	s := &Started{args: args, done: make(chan struct{})}
	s.cmd = exec.CommandContext(ctx, w.terraform, args...)
	s.cmd.Dir = w.Dir
	s.cmd.Env = w.env
	s.cmd.Stdout, s.cmd.Stderr = &s.stdout, &s.stderr
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// When ctx ends, the whole group goes, not only terraform.
	s.cmd.Cancel = s.Kill
	s.start = time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("terraform %s: %w", strings.Join(args, " "), err)
	}
	go func() {
		err := s.cmd.Wait()
		// A kill is an exit code here (-1), not an error: tests kill on purpose.
		s.res, s.err = w.cli().Outcome(args, s.stdout.String(), s.stderr.String(), time.Since(s.start), err, false)
		close(s.done)
	}()
	return s, nil
}

// Kill sends SIGKILL to the command's process group.
func (s *Started) Kill() error {
	err := syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil // already gone
	}
	return err
}

// Done is closed when the command has ended.
func (s *Started) Done() <-chan struct{} { return s.done }

// Wait waits for the command to end. A command killed by a signal has
// ExitCode -1; the error is set only when it could not be waited for.
func (s *Started) Wait() (Result, error) {
	<-s.done
	return s.res, s.err
}
