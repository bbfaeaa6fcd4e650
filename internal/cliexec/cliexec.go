// Package cliexec runs the command-line tools the acceptance tests and the
// benchmark drive as a user would (terraform through internal/tfrun,
// pulumi through internal/pulumirun) and keeps what they printed. The
// arguments go to the program as they are: no shell is involved.
package cliexec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Result is one command's outcome. A non-zero exit is not an error of Run:
// callers decide what each code means (terraform plan's 2 is "changes",
// pulumi preview --expect-no-changes's 1 is "changes").
type Result struct {
	Tool     string // "terraform", "pulumi": names the command in messages
	Args     []string
	ExitCode int
	Stdout   string
	Stderr   string
	Duration time.Duration
}

func (r Result) String() string {
	return fmt.Sprintf("%s %s: exit %d after %s\n--- stdout\n%s--- stderr\n%s",
		r.Tool, strings.Join(r.Args, " "), r.ExitCode, r.Duration.Round(time.Millisecond), r.Stdout, r.Stderr)
}

// Command is how to run one tool: its binary, working directory and
// environment.
type Command struct {
	Tool string
	Path string
	Dir  string
	Env  []string
}

// Run runs the tool with args, stdin from stdin when it is not nil. The
// error is set only when the tool could not be run or ctx ended.
func (c Command) Run(ctx context.Context, stdin []byte, args ...string) (Result, error) {
	cmd := exec.CommandContext(ctx, c.Path, args...)
	cmd.Dir, cmd.Env = c.Dir, c.Env
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	return c.Outcome(args, stdout.String(), stderr.String(), time.Since(start), err, ctx.Err() != nil)
}

// Outcome is the Result of a finished command whose wait returned err: an
// exit code goes into the Result (unless cancelled, when the code is the
// kill's and the error says so), any other error is returned.
func (c Command) Outcome(args []string, stdout, stderr string, d time.Duration, err error, cancelled bool) (Result, error) {
	r := Result{Tool: c.Tool, Args: args, Stdout: stdout, Stderr: stderr, Duration: d}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && !cancelled:
		r.ExitCode = exit.ExitCode()
	case err != nil:
		return r, fmt.Errorf("%s %s: %w", c.Tool, strings.Join(args, " "), err)
	}
	return r, nil
}

// Check makes a non-zero exit an error, with everything the command
// printed: for commands that have to succeed.
func Check(r Result, err error) (Result, error) {
	if err == nil && r.ExitCode != 0 {
		err = errors.New(r.String())
	}
	return r, err
}
