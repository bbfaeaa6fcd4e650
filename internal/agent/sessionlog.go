package agent

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/profiling"
)

// methodCounts counts requests per method name.
type methodCounts struct {
	mu sync.Mutex
	n  map[string]int64
}

func (c *methodCounts) add(method string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int64{}
	}
	c.n[method]++
}

func (c *methodCounts) snapshot() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.n))
	for k, v := range c.n {
		out[k] = v
	}
	return out
}

// Record is the session's counters so far, as one line of api.SessionLogPath.
func (s *Server) Record(ended time.Time) api.SessionRecord {
	// One agent process serves one session, so the process's peak is the
	// session's (issue 15: the agent's peak memory at N = 500).
	rss, _ := profiling.PeakRSS()
	return api.SessionRecord{
		PeakRSSKiB: rss,
		PID:        os.Getpid(),
		Started:    s.started.UTC().Format(time.RFC3339Nano),
		Ended:      ended.UTC().Format(time.RFC3339Nano),
		Requests:   s.requests.Load(),
		Reloads:    s.reloads.Load(),
		Methods:    s.methods.snapshot(),
		Pipeline:   s.pipeline.Stats(),
	}
}

// AppendSessionLog appends the session's record to path as one JSON line,
// in one write to a file opened with O_APPEND, so that the lines of agent
// sessions ending at the same time never interleave.
func (s *Server) AppendSessionLog(path string, ended time.Time) error {
	line, err := json.Marshal(s.Record(ended))
	if err != nil {
		return err
	}
	line = append(line, '\n')
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("session log: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("session log: %w", err)
	}
	if _, err := f.Write(line); err != nil {
		_ = f.Close() // the write error is the one to report
		return fmt.Errorf("session log: %w", err)
	}
	return f.Close()
}
