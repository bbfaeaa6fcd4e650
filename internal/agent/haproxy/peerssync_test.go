package haproxy

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/runtime"
)

// showPeers is HAProxy 2.6.12's answer to `show peers` for the agent's
// section, with flags and, when table, one shared table.
func showPeers(flags string, table bool) string {
	s := "0x560f923e9fc0: [02/Dec/2026:03:28:51] id=switchyard disabled=0 flags=" + flags + " resync_timeout=3s task_calls=4\n" +
		"  0x560f923ea130: id=switchyard(local,inactive) addr=127.0.0.1:10400 last_status=NONE last_hdshk=<NEVER>\n" +
		"        reconnect=<NEVER> heartbeat=<NEVER> confirm=0 tx_hbt=0 rx_hbt=0 no_hbt=0 new_conn=0 proto_err=0 coll=0\n" +
		"        flags=0x0\n" +
		"        shared tables:\n"
	if table {
		s += "          0x560f9251bda0 local_id=1 remote_id=0 flags=0x0 remote_data=0x0\n" +
			"              last_acked=0 last_pushed=0 last_get=0 teaching_origin=0 update=0\n" +
			"              table:0x560f923ef040 id=fe update=6 localupdate=6 commitupdate=0 refcnt=1\n"
	}
	return s + "        Dictionary cache not dumped (use \"show peers dict\")\n\n"
}

func TestParseShowPeers(t *testing.T) {
	other := strings.ReplaceAll(showPeers("0x3", true), "id=switchyard", "id=mine")
	for _, tc := range []struct {
		name, out string
		want      peersState
		teach     bool
	}{
		{"fresh worker, no predecessor", showPeers("0x11", true), peersState{true, 0x11, true}, false},
		{"after an untaught reload", showPeers("0x0", true), peersState{true, 0, true}, false},
		{"timers expired", showPeers("0x33", true), peersState{true, 0x33, true}, true},
		{"taught by its predecessor", showPeers("0x1103", true), peersState{true, 0x1103, true}, true},
		{"no table: nothing to hand over", showPeers("0x0", false), peersState{true, 0, false}, true},
		{"no peers at all", "\n", peersState{}, true},
		// Another section's tables and flags are not ours.
		{"another section", other, peersState{}, true},
		{"both sections", other + showPeers("0x11", true), peersState{true, 0x11, true}, false},
		{"ours first", showPeers("0x11", false) + other, peersState{true, 0x11, false}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseShowPeers(tc.out, "switchyard")
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if got.canTeach() != tc.teach {
				t.Errorf("canTeach %v, want %v", got.canTeach(), tc.teach)
			}
		})
	}
	if _, err := parseShowPeers(showPeers("0xzz", true), "switchyard"); err == nil {
		t.Error("bad flags: no error")
	}
}

func TestWaitPeersCanTeach(t *testing.T) {
	ctx := context.Background()
	t.Run("waits for the resync to finish", func(t *testing.T) {
		var n atomic.Int32
		path := filepath.Join(t.TempDir(), "admin.sock")
		cmds := fakeSocket(t, path, func(string) string {
			if n.Add(1) < 4 {
				return showPeers("0x11", true)
			}
			return showPeers("0x33", true)
		})
		var logged []string
		waitPeersCanTeach(ctx, runtime.Client{Socket: path}, 5*time.Second, func(f string, a ...any) {
			logged = append(logged, fmt.Sprintf(f, a...))
		})
		if got := cmds(); len(got) != 4 || got[0] != "show peers" {
			t.Errorf("commands %q, want 4 times show peers", got)
		}
		if len(logged) != 0 {
			t.Errorf("logged %q", logged)
		}
	})
	t.Run("bounded", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "admin.sock")
		fakeAdminSocket(t, path, showPeers("0x0", true))
		var logged []string
		start := time.Now()
		waitPeersCanTeach(ctx, runtime.Client{Socket: path}, 300*time.Millisecond, func(f string, a ...any) {
			logged = append(logged, fmt.Sprintf(f, a...))
		})
		if d := time.Since(start); d < 300*time.Millisecond || d > 3*time.Second {
			t.Errorf("returned after %s, want about 300ms", d)
		}
		if len(logged) != 1 || !strings.Contains(logged[0], "start empty") {
			t.Errorf("logged %q, want one line saying the tables start empty", logged)
		}
	})
	t.Run("HAProxy not running", func(t *testing.T) {
		start := time.Now()
		waitPeersCanTeach(ctx, runtime.Client{Socket: filepath.Join(t.TempDir(), "none.sock")}, 5*time.Second,
			func(f string, a ...any) { t.Errorf("logged "+f, a...) })
		if d := time.Since(start); d > time.Second {
			t.Errorf("waited %s for a HAProxy that does not run", d)
		}
	})
}
