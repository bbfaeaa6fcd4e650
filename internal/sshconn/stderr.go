package sshconn

import (
	"strings"
	"sync"
)

// stderrCap is how much of a remote command's stderr is kept. The end is
// what explains a crash (a panic's stack, sudo's complaint); a chatty agent
// must not make the provider's memory grow with the session's age.
const stderrCap = 16 << 10

// ringBuffer keeps the last cap bytes written to it. It is safe for
// concurrent use: x/crypto copies stderr from its own goroutine.
type ringBuffer struct {
	mu        sync.Mutex
	cap       int
	buf       []byte
	truncated bool
}

func newRingBuffer(cap int) *ringBuffer { return &ringBuffer{cap: cap} }

func (r *ringBuffer) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(p)
	if len(p) >= r.cap {
		r.truncated = r.truncated || len(r.buf) > 0 || len(p) > r.cap
		r.buf = append(r.buf[:0], p[len(p)-r.cap:]...)
		return n, nil
	}
	if over := len(r.buf) + len(p) - r.cap; over > 0 {
		r.truncated = true
		r.buf = append(r.buf[:0], r.buf[over:]...)
	}
	r.buf = append(r.buf, p...)
	return n, nil
}

// String returns what is kept, marked when the beginning was dropped.
func (r *ringBuffer) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := strings.TrimRight(string(r.buf), "\n")
	if r.truncated {
		s = "[…earlier output dropped…]\n" + s
	}
	return s
}

// withStderr appends a remote command's stderr to a message, if it has any.
func withStderr(msg string, stderr *ringBuffer) string {
	if stderr == nil {
		return msg
	}
	if s := stderr.String(); strings.TrimSpace(s) != "" {
		return msg + "; stderr:\n" + s
	}
	return msg
}
