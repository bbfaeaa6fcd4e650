// Package systemctl is the agent's one way to run systemctl: an argument
// list, never a shell string, behind an interface so that the code that
// drives systemd runs in unit tests against a Fake.
package systemctl

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"
)

// Runner runs `systemctl args...` and returns its combined output, trimmed.
// A non-zero exit is an error that names the command and carries the
// output; the output is returned as well, since some verbs (is-active,
// is-enabled) answer with both.
type Runner interface {
	Run(ctx context.Context, args ...string) (string, error)
}

// Timeout bounds one systemctl call: a start waits for the unit's start-up,
// but a hung systemd must not block a session forever.
const Timeout = 90 * time.Second

// Exec runs the real systemctl.
type Exec struct{}

var _ Runner = Exec{}

// Run implements Runner.
func (Exec) Run(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "systemctl", args...)
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	text := strings.TrimSpace(out.String())
	if err != nil {
		if text == "" {
			return "", fmt.Errorf("systemctl %s: %w", strings.Join(args, " "), err)
		}
		return text, fmt.Errorf("systemctl %s: %w: %s", strings.Join(args, " "), err, text)
	}
	return text, nil
}

// Fake records calls and answers them with Answer (nil: "" and no error).
// It is safe for concurrent use.
type Fake struct {
	Answer func(args []string) (string, error)

	mu    sync.Mutex
	calls [][]string
}

var _ Runner = (*Fake)(nil)

// Run implements Runner.
func (f *Fake) Run(_ context.Context, args ...string) (string, error) {
	f.mu.Lock()
	f.calls = append(f.calls, slices.Clone(args))
	f.mu.Unlock()
	if f.Answer == nil {
		return "", nil
	}
	return f.Answer(args)
}

// Calls returns every call so far, each as its argument list.
func (f *Fake) Calls() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}
