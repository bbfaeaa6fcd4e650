package haproxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/systemctl"
)

// stateHeader is HAProxy 2.6.12's `show servers state` column line.
const stateHeader = "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight " +
	"srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state " +
	"bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port"

// stateLine is one server's line: op state 0 is DOWN, 2 UP; admin 8 drain;
// runtime weight 50, configured weight 10.
func stateLine(be, srv, addr string, port, op, admin int) string {
	return stateLineWeights(be, srv, addr, port, op, admin, 10)
}

func stateLineWeights(be, srv, addr string, port, op, admin, iweight int) string {
	return fmt.Sprintf("3 %s 1 %s %s %d %d 50 %d 42 6 3 4 6 0 0 0 - %d - 0 0 - - 0", be, srv, addr, op, admin, iweight, port)
}

const stateCfg = `global
  stats socket %[1]s/admin.sock mode 660 level admin
  %[2]s

defaults base
  mode http
  load-server-state-from-file global
  timeout connect 5s
  timeout client 30s
  timeout server 30s

backend web
  server a 127.0.0.1:8080 check weight 0
  server b 127.0.0.1:8082 check weight 10
  server c app.internal:80

listen stats
  bind :8404
  server s [::1]:9000
`

// writeStateCfg writes stateCfg into a new directory, with global's "DIR"
// replaced by that directory.
func writeStateCfg(t *testing.T, global string) (dir, cfg string) {
	t.Helper()
	dir = t.TempDir()
	cfg = filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(stateCfg, dir, strings.ReplaceAll(global, "DIR", dir))), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, cfg
}

func TestReadStateFilePlan(t *testing.T) {
	servers := map[string]plannedServer{
		"web/a":   {Address: "127.0.0.1:8080", WeightZero: true, Check: true},
		"web/b":   {Address: "127.0.0.1:8082", Check: true},
		"web/c":   {Address: "app.internal:80"},
		"stats/s": {Address: "[::1]:9000"},
	}
	tests := []struct {
		name, global string
		want         stateFilePlan
	}{
		{"absolute", "server-state-file /var/lib/haproxy/server-state", stateFilePlan{Path: "/var/lib/haproxy/server-state", Servers: servers}},
		{"relative to the base", "server-state-base /var/state\n  server-state-file servers", stateFilePlan{Path: "/var/state/servers", Servers: servers}},
		{"none", "maxconn 100", stateFilePlan{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, cfg := writeStateCfg(t, tt.global)
			got, err := readStateFilePlan(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSameAddress(t *testing.T) {
	tests := []struct {
		configured, addr, fqdn, port string
		want                         bool
	}{
		{"127.0.0.1:8080", "127.0.0.1", "-", "8080", true},
		{"127.0.0.1:8081", "127.0.0.1", "-", "8080", false}, // new port
		{"127.0.0.2:8080", "127.0.0.1", "-", "8080", false}, // new address
		{"ipv4@10.0.0.1:80", "10.0.0.1", "-", "80", true},
		{"[::1]:9000", "::1", "-", "9000", true},
		{"::1:9000", "::1", "-", "9000", true},
		{"app.internal:80", "10.1.2.3", "app.internal", "80", true},
		{"other.internal:80", "10.1.2.3", "app.internal", "80", false},
		{"127.0.0.1", "127.0.0.1", "-", "0", true},        // no port
		{"127.0.0.1:+1000", "127.0.0.1", "-", "0", false}, // port offset: not comparable
		{"unix@/run/app.sock", "/run/app.sock", "-", "0", false},
	}
	for _, tt := range tests {
		if got := sameAddress(tt.configured, tt.addr, tt.fqdn, tt.port); got != tt.want {
			t.Errorf("sameAddress(%q, %q, %q, %q) = %v, want %v", tt.configured, tt.addr, tt.fqdn, tt.port, got, tt.want)
		}
	}
}

func TestFilterServersState(t *testing.T) {
	servers := map[string]plannedServer{
		"web/a": {Address: "127.0.0.1:8080", Check: true},
		"web/b": {Address: "127.0.0.1:8083"},
		"web/d": {Address: "127.0.0.1:8084", WeightZero: true},
		"web/e": {Address: "127.0.0.1:8085", WeightZero: true},
		"web/f": {Address: "127.0.0.1:8086"},
	}
	keep := stateLine("web", "a", "127.0.0.1", 8080, 0, 8)
	out := strings.Join([]string{
		"1", stateHeader, keep,
		stateLine("web", "b", "127.0.0.1", 8082, 2, 0),  // its port changes in the new file
		stateLine("gone", "x", "127.0.0.1", 8080, 2, 0), // its backend is gone
		stateLine("web", "d", "127.0.0.1", 8084, 2, 8),  // drained live, written with weight 0
		stateLine("web", "e", "127.0.0.1", 8085, 2, 0),  // weight 0 in the file, not drained
		stateLine("web", "f", "127.0.0.1", 8086, 0, 0),  // DOWN, and no longer checked
		"",
	}, "\n")
	got, dropped, err := filterServersState(out, servers)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{"1", stateHeader, keep,
		stateLineWeights("web", "d", "127.0.0.1", 8084, 2, 8, 0), // its configured weight is now the file's 0
		stateLine("web", "e", "127.0.0.1", 8085, 2, 0),
		""}, "\n")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("file (-want +got):\n%s", diff)
	}
	if dropped != 3 {
		t.Errorf("dropped = %d, want 3", dropped)
	}
	for _, bad := range []string{"Unknown command\n", "1\n" + keep + "\n"} {
		if _, _, err := filterServersState(bad, servers); err == nil {
			t.Errorf("filterServersState(%q): no error", bad)
		}
	}
}

// fakeAdminSocket answers every command with answer, one connection per
// command as HAProxy's admin socket does, and records the commands.
func fakeAdminSocket(t *testing.T, path, answer string) func() []string {
	t.Helper()
	return fakeSocket(t, path, func(string) string { return answer })
}

// fakeSocket serves one command per connection on a unix socket, answering
// with answer(command), and returns the commands received so far.
func fakeSocket(t *testing.T, path string, answer func(cmd string) string) func() []string {
	t.Helper()
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	var mu sync.Mutex
	var cmds []string
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			line, _ := bufio.NewReader(c).ReadString('\n')
			cmd := strings.TrimSpace(line)
			mu.Lock()
			cmds = append(cmds, cmd)
			mu.Unlock()
			_, _ = c.Write([]byte(answer(cmd)))
			_ = c.Close()
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), cmds...)
	}
}

func TestStateSaverSave(t *testing.T) {
	answer := strings.Join([]string{"1", stateHeader,
		stateLine("web", "a", "127.0.0.1", 8080, 0, 0),
		stateLine("web", "b", "127.0.0.1", 8081, 2, 8), // b moves to 8082
		"", ""}, "\n")
	ctx := context.Background()

	t.Run("saved where global says, readable, without moved servers", func(t *testing.T) {
		// A directory that does not exist yet is created.
		dir, cfg := writeStateCfg(t, "server-state-base DIR\n  server-state-file state/servers")
		cmds := fakeAdminSocket(t, filepath.Join(dir, "admin.sock"), answer)
		var logs []string
		s := stateSaver{ConfigFile: cfg, RuntimeSocket: filepath.Join(dir, "admin.sock"), Logf: func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }}
		path := s.save(ctx)
		if want := filepath.Join(dir, "state", "servers"); path != want {
			t.Fatalf("saved to %q, want %q (log %q)", path, want, logs)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		want := "1\n" + stateHeader + "\n" + stateLine("web", "a", "127.0.0.1", 8080, 0, 0) + "\n"
		if diff := cmp.Diff(want, string(got)); diff != "" {
			t.Errorf("state file (-want +got):\n%s", diff)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != stateFileMode {
			t.Errorf("mode %v, want %v", st.Mode().Perm(), os.FileMode(stateFileMode))
		}
		if diff := cmp.Diff([]string{"show servers state"}, cmds()); diff != "" {
			t.Errorf("commands (-want +got):\n%s", diff)
		}
		if len(logs) != 1 || !strings.Contains(logs[0], "1 server(s) left out") {
			t.Errorf("log = %q, want one line about the server left out", logs)
		}
		s.remove(path)
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("state file still there after remove: %v", err)
		}
	})

	t.Run("no server-state-file: nothing asked, nothing written", func(t *testing.T) {
		dir, cfg := writeStateCfg(t, "maxconn 100")
		cmds := fakeAdminSocket(t, filepath.Join(dir, "admin.sock"), answer)
		if path := (stateSaver{ConfigFile: cfg, RuntimeSocket: filepath.Join(dir, "admin.sock")}).save(ctx); path != "" {
			t.Errorf("saved to %q", path)
		}
		if len(cmds()) != 0 {
			t.Errorf("commands sent: %q", cmds())
		}
	})

	t.Run("HAProxy not running: nothing written, nothing logged", func(t *testing.T) {
		dir, cfg := writeStateCfg(t, "server-state-file DIR/servers")
		var logs []string
		s := stateSaver{ConfigFile: cfg, RuntimeSocket: filepath.Join(dir, "admin.sock"), Logf: func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }}
		if path := s.save(ctx); path != "" {
			t.Errorf("saved to %q", path)
		}
		if _, err := os.Stat(filepath.Join(dir, "servers")); !os.IsNotExist(err) {
			t.Errorf("a state file was written: %v", err)
		}
		if len(logs) != 0 {
			t.Errorf("log = %q", logs)
		}
	})

	t.Run("a failure is logged and writes nothing", func(t *testing.T) {
		dir, cfg := writeStateCfg(t, "server-state-file DIR/servers")
		fakeAdminSocket(t, filepath.Join(dir, "admin.sock"), "Unknown command.\n")
		var logs []string
		s := stateSaver{ConfigFile: cfg, RuntimeSocket: filepath.Join(dir, "admin.sock"), Logf: func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }}
		if path := s.save(ctx); path != "" {
			t.Errorf("saved to %q", path)
		}
		if _, err := os.Stat(filepath.Join(dir, "servers")); !os.IsNotExist(err) {
			t.Errorf("a state file was written: %v", err)
		}
		if len(logs) != 1 || !strings.Contains(logs[0], "server state not saved") {
			t.Errorf("log = %q, want one line saying the state was not saved", logs)
		}
	})
}

// SystemdReloader saves the state before `systemctl reload` (the file is
// there when HAProxy would read it) and removes it once the new workers
// run; a failed reload leaves it for the retry to overwrite.
func TestSystemdReloaderSavesState(t *testing.T) {
	for _, reloadOK := range []bool{true, false} {
		t.Run(fmt.Sprintf("reload ok %v", reloadOK), func(t *testing.T) {
			dir, cfg := writeStateCfg(t, "server-state-file DIR/servers")
			stateFile := filepath.Join(dir, "servers")
			fakeAdminSocket(t, filepath.Join(dir, "admin.sock"), "1\n"+stateHeader+"\n"+stateLine("web", "a", "127.0.0.1", 8080, 0, 8)+"\n\n")
			var mu sync.Mutex
			worker := 100
			fakeSocket(t, filepath.Join(dir, "master.sock"), func(string) string {
				mu.Lock()
				defer mu.Unlock()
				return fmt.Sprintf("#<PID> <type> <reloads> <uptime> <version>\n1 master 0 [failed: 0] 0d00h00m03s 2.6.12\n# workers\n%d worker 0 0d00h00m01s 2.6.12\n# old workers\n# programs\n", worker)
			})
			fileAtReload := false
			sc := &systemctl.Fake{Answer: func(args []string) (string, error) {
				if args[0] == "reload" {
					_, err := os.Stat(stateFile)
					fileAtReload = err == nil
					if !reloadOK {
						return "", errors.New("systemctl reload haproxy: exit status 1")
					}
					mu.Lock()
					worker++
					mu.Unlock()
				}
				return "", nil
			}}
			r := &SystemdReloader{Service: "haproxy", MasterSocket: filepath.Join(dir, "master.sock"), Systemctl: sc,
				ConfigFile: cfg, RuntimeSocket: filepath.Join(dir, "admin.sock"), Confirm: time.Second}
			err := r.Reload(context.Background())
			if (err == nil) != reloadOK {
				t.Fatalf("Reload: %v", err)
			}
			if !fileAtReload {
				t.Error("the state file was not there when systemctl reload ran")
			}
			_, statErr := os.Stat(stateFile)
			if left := statErr == nil; left == reloadOK {
				t.Errorf("state file left after the reload: %v, want %v", left, !reloadOK)
			}
		})
	}
}
