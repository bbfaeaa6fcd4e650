package haproxy

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// fakeSystemctl answers is-enabled/is-active from state and records the
// other calls, so the service part runs without a service manager.
func fakeSystemctl(t *testing.T, f *fixture, enabled, active bool) *[]string {
	t.Helper()
	var calls []string
	f.systemctl.Answer = func(args []string) (string, error) {
		switch args[0] {
		case "is-enabled":
			if !enabled {
				return "disabled", os.ErrNotExist
			}
			return "", nil
		case "is-active":
			if !active {
				return "inactive", os.ErrNotExist
			}
			return "", nil
		}
		calls = append(calls, strings.Join(args, " "))
		return "", nil
	}
	return &calls
}

func bptr(v bool) *bool { return &v }

func sptr(v string) *string { return &v }

// The state file and hard-stop-after read back as set, and "" and 0 remove
// them again, from global and from defaults.
func TestApplyInstanceStateFileRoundTrip(t *testing.T) {
	f := newFixture(t)
	fakeSystemctl(t, f, true, true)
	ctx := context.Background()
	got, err := f.m.ApplyInstance(ctx, api.Instance{ServerStateFile: sptr("/var/lib/haproxy/server-state"), HardStopAfter: i64(30_000)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{sptr("/var/lib/haproxy/server-state"), i64(30_000)}, []any{got.ServerStateFile, got.HardStopAfter}); diff != "" {
		t.Errorf("after turning on (-want +got):\n%s", diff)
	}
	// Only global's line, without defaults loading it, is not a state file
	// that works: it reads as off.
	cfg := strings.Replace(f.read(t), "load-server-state-from-file global", "", 1)
	if err := os.WriteFile(f.cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err = f.m.GetInstance(ctx); err != nil {
		t.Fatal(err)
	}
	if got.ServerStateFile == nil || *got.ServerStateFile != "" {
		t.Errorf("without load-server-state-from-file: server state file = %v, want \"\"", got.ServerStateFile)
	}
	got, err = f.m.ApplyInstance(ctx, api.Instance{ServerStateFile: sptr(""), HardStopAfter: i64(0)})
	if err != nil {
		t.Fatal(err)
	}
	if got.ServerStateFile == nil || *got.ServerStateFile != "" || got.HardStopAfter != nil {
		t.Errorf("after turning off: server state file %v, hard stop %v; want \"\" and nil", got.ServerStateFile, got.HardStopAfter)
	}
	for _, l := range []string{"server-state-file", "hard-stop-after", "load-server-state-from-file"} {
		if strings.Contains(f.read(t), l) {
			t.Errorf("%q still in:\n%s", l, f.read(t))
		}
	}
}

func TestGetInstance(t *testing.T) {
	f := newFixture(t)
	fakeSystemctl(t, f, true, false)
	got, err := f.m.GetInstance(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := api.Instance{
		LogTargets: &[]api.LogTarget{
			{Address: "/dev/log", Facility: "local0"},
			{Address: "/dev/log", Facility: "local1", Level: "notice"},
		},
		RunAsRoot:      bptr(true),
		RuntimeSocket:  "/run/haproxy/admin.sock",
		DefaultsName:   "base",
		Mode:           "http",
		TimeoutConnect: i64(5000),
		TimeoutClient:  i64(50000),
		TimeoutServer:  i64(50000),
		Httplog:        bptr(true),
		Forwardfor:     bptr(false),
		// testdata has neither server-state-file nor hard-stop-after.
		ServerStateFile: sptr(""),
		Enabled:         bptr(true),
		Running:         bptr(false),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetInstance (-want +got):\n%s", diff)
	}
}

func TestApplyInstance(t *testing.T) {
	tests := []struct {
		name      string
		in        api.Instance
		wantLines []string // must appear in the file afterwards
		goneLines []string // must not
		wantCalls []string
		reloads   int64
	}{
		{
			name:      "nothing set changes nothing",
			in:        api.Instance{},
			wantLines: []string{"timeout connect 5000", "log /dev/log local1 notice"},
			reloads:   0,
		},
		{
			name: "global and defaults",
			in: api.Instance{
				Maxconn: i64(4000), Nbthread: i64(2), RunAsRoot: bptr(false),
				LogTargets:     &[]api.LogTarget{{Address: "127.0.0.1:514", Facility: "local2", Level: "info"}},
				TimeoutConnect: i64(7000), Forwardfor: bptr(true), Httplog: bptr(false),
			},
			wantLines: []string{"maxconn 4000", "nbthread 2", "user haproxy", "group haproxy",
				"log 127.0.0.1:514 local2 info", "timeout connect 7000", "timeout client 50000", "option forwardfor",
				"stats socket /run/haproxy/admin.sock", "expose-fd listeners"},
			goneLines: []string{"log /dev/log", "option httplog"},
			reloads:   1,
		},
		{
			name:      "server state file and hard-stop-after",
			in:        api.Instance{ServerStateFile: sptr("/var/lib/haproxy/server-state"), HardStopAfter: i64(1_800_000)},
			wantLines: []string{"server-state-file /var/lib/haproxy/server-state", "hard-stop-after 1800000", "load-server-state-from-file global"},
			reloads:   1,
		},
		{
			name:      "service state only",
			in:        api.Instance{Enabled: bptr(false), Running: bptr(true)},
			wantCalls: []string{"disable haproxy", "start haproxy"},
			reloads:   0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			calls := fakeSystemctl(t, f, true, false)
			// client-native's first commit of a hand-written file rewrites
			// it (named defaults, `from`); that commit is not the subject.
			if _, err := f.m.ApplyInstance(context.Background(), api.Instance{}); err != nil {
				t.Fatal(err)
			}
			base := f.reloader.calls.Load()
			if _, err := f.m.ApplyInstance(context.Background(), tt.in); err != nil {
				t.Fatal(err)
			}
			cfg := strings.Join(strings.Fields(f.read(t)), " ")
			for _, l := range tt.wantLines {
				if !strings.Contains(cfg, l) {
					t.Errorf("%q missing from:\n%s", l, f.read(t))
				}
			}
			for _, l := range tt.goneLines {
				if strings.Contains(cfg, l) {
					t.Errorf("%q still in:\n%s", l, f.read(t))
				}
			}
			if diff := cmp.Diff(tt.wantCalls, *calls); diff != "" {
				t.Errorf("systemctl calls (-want +got):\n%s", diff)
			}
			if got := f.reloader.calls.Load() - base; got != tt.reloads {
				t.Errorf("reloads = %d, want %d", got, tt.reloads)
			}
		})
	}
}

// A person removed the admin socket: any apply puts it back, because the
// provider's runtime changes (maps) need it.
func TestApplyInstanceRestoresRuntimeSocket(t *testing.T) {
	f := newFixture(t)
	fakeSystemctl(t, f, true, true)
	cfg := strings.Replace(f.read(t), "\tstats socket /run/haproxy/admin.sock mode 660 level admin expose-fd listeners\n", "", 1)
	if err := os.WriteFile(f.cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := f.m.ApplyInstance(context.Background(), api.Instance{})
	if err != nil {
		t.Fatal(err)
	}
	if got.RuntimeSocket != "/run/haproxy/admin.sock" || !strings.Contains(f.read(t), "stats socket /run/haproxy/admin.sock level admin mode 660") {
		t.Errorf("runtime socket not restored (%q):\n%s", got.RuntimeSocket, f.read(t))
	}
}

func TestApplyInstanceRejects(t *testing.T) {
	for name, in := range map[string]api.Instance{
		"zero nbthread":    {Nbthread: i64(0)},
		"bad mode":         {Mode: "udp"},
		"newline in log":   {LogTargets: &[]api.LogTarget{{Address: "/dev/log\nuser root", Facility: "local0"}}},
		"negative timeout": {TimeoutServer: i64(-1)},
		"missing facility": {LogTargets: &[]api.LogTarget{{Address: "/dev/log"}}},
		"relative state":   {ServerStateFile: sptr("server-state")},
		"state with blank": {ServerStateFile: sptr("/var/lib/haproxy/a b")},
		"negative hard":    {HardStopAfter: i64(-1)},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			fakeSystemctl(t, f, true, true)
			before := f.read(t)
			_, err := f.m.ApplyInstance(context.Background(), in)
			if code(err) != api.CodeInvalid {
				t.Errorf("code = %q, want %q (%v)", code(err), api.CodeInvalid, err)
			}
			if f.read(t) != before {
				t.Error("the file changed")
			}
		})
	}
}
