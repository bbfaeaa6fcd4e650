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
}
