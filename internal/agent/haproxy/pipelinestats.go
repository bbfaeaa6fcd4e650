package haproxy

import (
	"sync"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// PipelineCounters sums a session's batches (api.PipelineStats). One is
// shared by the session's Managers, like Options.Reloads, so that a
// reconfiguration does not lose what came before.
type PipelineCounters struct {
	mu sync.Mutex
	s  api.PipelineStats
}

// add counts one batch of n changes.
func (c *PipelineCounters) add(n int, t batchTimes, resent int) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.Batches++
	c.s.Changes += int64(n)
	c.s.Largest = max(c.s.Largest, int64(n))
	c.s.GatherMS += t.gather.Milliseconds()
	c.s.LockMS += t.lock.Milliseconds()
	c.s.TransactionMS += t.transact.Milliseconds()
	c.s.CheckMS += t.check.Milliseconds()
	c.s.ReloadMS += t.reload.Milliseconds()
	c.s.Resent += int64(resent)
}

// Stats returns the sums so far; nil before the first batch.
func (c *PipelineCounters) Stats() *api.PipelineStats {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.s.Batches == 0 {
		return nil
	}
	s := c.s
	return &s
}
