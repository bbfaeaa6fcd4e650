package haproxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// checkTimeout bounds one `haproxy -c`; a config with huge maps can take a
// few seconds, a hung binary must not block the pipeline forever.
const checkTimeout = 60 * time.Second

// rejectedError is HAProxy refusing a configuration: Detail is what
// `haproxy -c` said, verbatim but for its NOTICE lines.
type rejectedError struct {
	detail string
}

func (e *rejectedError) Error() string { return "HAProxy rejected the configuration:\n" + e.detail }

// checkConfig runs `haproxy -c -f file`. The command line is a fixed
// argument list: nothing user-supplied is ever interpreted by a shell.
func checkConfig(ctx context.Context, binary, file string) error {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "-c", "-f", file)
	// The service runs in /, so relative paths in the file (map and ACL
	// files, errorfiles) must be checked from there too, not from wherever
	// the agent was started.
	cmd.Dir = "/"
	// A haproxy started by a master process inherits these, and with them
	// `-c` would try to talk to that master instead of just checking.
	cmd.Env = withoutEnv(os.Environ(), "HAPROXY_STARTUPLOGS_FD", "HAPROXY_MWORKER_WAIT_ONLY", "HAPROXY_PROCESSES")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if err == nil {
		return nil
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return fmt.Errorf("running %s -c: %w", binary, err)
	}
	detail := haproxyMessages(out.String())
	if detail == "" {
		detail = fmt.Sprintf("%s -c exited with %v and printed nothing", binary, err)
	}
	return &rejectedError{detail: detail}
}

// haproxyMessages keeps HAProxy's ALERT and WARNING lines (the NOTICE lines
// only repeat the version and binary path).
func haproxyMessages(out string) string {
	var keep []string
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimRight(line, " \r")
		if line == "" || strings.HasPrefix(line, "[NOTICE]") {
			continue
		}
		keep = append(keep, line)
	}
	return strings.Join(keep, "\n")
}

func withoutEnv(env []string, names ...string) []string {
	out := env[:0:0]
next:
	for _, kv := range env {
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}
