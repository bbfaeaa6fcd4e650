package api

// StickTable is a frontend's or backend's `stick-table` line. Sizes and
// durations travel in HAProxy's units: entries and milliseconds.
type StickTable struct {
	Type string `json:"type"`
	Size int64  `json:"size"`
	// Expire nil: entries never expire (the oldest are purged when full).
	Expire *int64 `json:"expire_ms,omitempty"`
	// Store is the data types, in order, as in `http_req_rate(10s)`.
	Store []string `json:"store"`
	// KeyLength is `len`, for string and binary keys. nil: HAProxy's 32.
	KeyLength *int64 `json:"key_length,omitempty"`
	// KeepOnReload names the agent's local peers section (`peers
	// switchyard`) on the table: without a peers section HAProxy starts
	// every reload with empty tables, which resets every rate limit.
	KeepOnReload bool `json:"keep_on_reload,omitempty"`
}

// The local peers section the agent keeps for tables with KeepOnReload:
// `peers switchyard` with one `peer` named after the global `localpeer`
// (set to LocalPeerName when the file has none). On a reload the old
// process connects to the new one at PeersAddress and hands over every
// table. The port is on the loopback address only, so no other machine
// can join.
const (
	PeersSection  = "switchyard"
	LocalPeerName = "switchyard"
	PeersAddress  = "127.0.0.1"
	PeersPort     = 10400
)
