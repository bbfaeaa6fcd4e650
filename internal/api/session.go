package api

// SessionLogPath is where the agent appends one JSON line (SessionRecord)
// when a session ends: stdin closed (the provider exited) or a signal.
// Benchmarks read it to count requests and reloads per terraform command.
const SessionLogPath = "/run/switchyard/sessions.jsonl"

// SessionRecord is one line of SessionLogPath.
type SessionRecord struct {
	PID      int    `json:"pid"`
	Started  string `json:"started"` // RFC 3339 with nanoseconds, UTC
	Ended    string `json:"ended"`
	Requests int64  `json:"requests"` // every request frame, agent.configure included
	Reloads  int64  `json:"reloads"`  // HAProxy reloads this session performed
	// Methods counts requests per method name.
	Methods map[string]int64 `json:"methods"`
	// PeakRSSKiB is the agent process's peak resident memory (VmHWM) at
	// the session's end, in KiB; 0 when it could not be read.
	PeakRSSKiB int64 `json:"peak_rss_kib,omitempty"`
	// Pipeline sums the session's HAProxy change batches; nil when it had
	// none.
	Pipeline *PipelineStats `json:"pipeline,omitempty"`
}

// PipelineStats is where a session's HAProxy changes spent their time in
// the agent's group commit (internal/agent/haproxy/pipeline.go), summed
// over its batches, in milliseconds: gathering the wave, waiting for the
// machine lock, the transaction (client-native and the file write, with
// `haproxy -c`), and the reload with its confirmation on the master CLI.
// Issue 15's breakdown of an apply's time reads it from the session log.
type PipelineStats struct {
	Batches       int64 `json:"batches"`
	Changes       int64 `json:"changes"` // resource changes in those batches
	Largest       int64 `json:"largest"` // changes in the largest batch
	GatherMS      int64 `json:"gather_ms"`
	LockMS        int64 `json:"lock_ms"`
	TransactionMS int64 `json:"transaction_ms"` // haproxy -c included
	CheckMS       int64 `json:"check_ms"`       // haproxy -c alone
	ReloadMS      int64 `json:"reload_ms"`
	// Resent counts map entries written during a reload and set again
	// after it (internal/agent/haproxy/maplane.go).
	Resent int64 `json:"resent"`
}

// Add sums o into s: counts and times add up, Largest is the larger.
func (s *PipelineStats) Add(o PipelineStats) {
	s.Batches += o.Batches
	s.Changes += o.Changes
	s.Largest = max(s.Largest, o.Largest)
	s.GatherMS += o.GatherMS
	s.LockMS += o.LockMS
	s.TransactionMS += o.TransactionMS
	s.CheckMS += o.CheckMS
	s.ReloadMS += o.ReloadMS
	s.Resent += o.Resent
}
