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
	c.s.Add(api.PipelineStats{
		Batches: 1, Changes: int64(n), Largest: int64(n),
		GatherMS: t.gather.Milliseconds(), LockMS: t.lock.Milliseconds(), TransactionMS: t.transact.Milliseconds(),
		CheckMS: t.check.Milliseconds(), ReloadMS: t.reload.Milliseconds(), Resent: int64(resent),
	})
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
