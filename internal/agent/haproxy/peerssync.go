package haproxy

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/runtime"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// Stick tables reach the workers of a reload through the local peer: the
// old worker, once told to stop, connects to the new one on the peers
// address and pushes every table. HAProxy 2.6 (src/peers.c, "Don't start
// resync on reload if local peer is not up-to-date", backported to 2.6)
// lets a worker push only once its own resync is finished, i.e. its peers
// section has both "learned from the local peer" and "learned from the
// remote peers" set. With no remote peer in the section, those flags are
// set by timers of PEER_RESYNC_TIMEOUT (5 s, compiled in):
//   - a worker started with no predecessor: finished 5 s after start;
//   - a worker whose predecessor taught it: finished at once;
//   - a worker whose predecessor did not teach it (no table, or not
//     finished itself): 5 s waiting for the lesson, 5 s more for remotes.
//
// A worker told to stop before that exits at once without connecting, and
// every table starts empty: on the lab's 2.6.12 a reload 4.7 s after a
// start lost the table, one 5.7 s after kept it, and a reload following an
// untaught reload needed 9.9 s. The agent does the reloads, so it waits for
// the running worker to be able to hand its tables over; the wait is
// bounded (peersSyncWait), and a reload never waits for a worker whose
// section holds no table.

// peersSyncWait bounds the wait: the longest case above plus a margin.
const peersSyncWait = 11 * time.Second

// peersSyncPoll is how often `show peers` is asked while waiting.
const peersSyncPoll = 100 * time.Millisecond

// Bits of a peers section's flags in `show peers` (PEERS_F_RESYNC_LOCAL,
// PEERS_F_RESYNC_REMOTE): both set means the resync is finished.
const peersResyncFinished = 0x1 | 0x2

// peersState is what `show peers` says about one peers section.
type peersState struct {
	Found    bool   // the running worker has the section
	Flags    uint64 // the section's flags
	HasTable bool   // at least one stick table is shared through it
}

// canTeach reports whether the worker would hand its tables over if it
// were told to stop now; a section without tables has nothing to hand.
func (s peersState) canTeach() bool {
	return !s.Found || !s.HasTable || s.Flags&peersResyncFinished == peersResyncFinished
}

// parseShowPeers finds section in the answer to `show peers`. A section
// starts with a line "0x...: [date] id=<name> disabled=0 flags=0x..."; its
// tables are the indented "table:0x... id=<table>" lines that follow.
func parseShowPeers(out, section string) (peersState, error) {
	var st peersState
	in := false
	for line := range strings.Lines(out) {
		fields := strings.Fields(line)
		if len(fields) >= 3 && strings.HasPrefix(fields[0], "0x") && strings.HasPrefix(fields[1], "[") &&
			!strings.HasPrefix(line, " ") {
			in = false
			for _, f := range fields {
				if f == "id="+section {
					in = true
				}
			}
			if !in {
				continue
			}
			st.Found = true
			for _, f := range fields {
				if v, ok := strings.CutPrefix(f, "flags="); ok {
					n, err := strconv.ParseUint(strings.TrimPrefix(v, "0x"), 16, 64)
					if err != nil {
						return peersState{}, fmt.Errorf("show peers: section %s: flags %q: %w", section, v, err)
					}
					st.Flags = n
				}
			}
			continue
		}
		if in && len(fields) > 0 && strings.HasPrefix(fields[0], "table:") {
			st.HasTable = true
		}
	}
	return st, nil
}

// waitPeersCanTeach blocks until the running worker can hand the agent's
// peers section's tables to the next workers, at most wait. HAProxy not
// running, a socket that does not answer or a wait that runs out are not
// errors: the reload goes ahead, as it would without tables, and the tables
// start empty; logf hears about it.
func waitPeersCanTeach(ctx context.Context, rt runtime.Client, wait time.Duration, logf func(string, ...any)) {
	if rt.Socket == "" {
		return
	}
	deadline := time.Now().Add(wait)
	for {
		out, err := rt.Command(ctx, "show peers", "")
		if err != nil {
			return
		}
		st, err := parseShowPeers(out, api.PeersSection)
		if err != nil {
			logf("%v; reloading without waiting for the stick tables to be handed over", err)
			return
		}
		if st.canTeach() {
			return
		}
		if time.Now().After(deadline) {
			logf("peers %s: the running worker's resync is not finished after %s (flags %#x); "+
				"reloading anyway, its stick tables start empty", api.PeersSection, wait, st.Flags)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(peersSyncPoll):
		}
	}
}
