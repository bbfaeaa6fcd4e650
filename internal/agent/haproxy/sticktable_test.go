package haproxy

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func limited() api.Frontend {
	return api.Frontend{
		Name:  "limited",
		Mode:  "http",
		Binds: []api.Bind{{Address: "127.0.0.1", Port: i64(8123)}},
		ACLs:  []string{},
		HTTPRequest: []string{
			"track-sc0 req.hdr(X-User)",
			"deny deny_status 429 if { sc_http_req_rate(0) gt 10 }",
		},
		HTTPResponse: []string{},
		UseBackends:  []api.UseBackend{},
		StickTable: &api.StickTable{
			Type: "string", Size: 102400, Expire: i64(10000), KeyLength: i64(64),
			Store:        []string{"http_req_rate(10s)", "gpc_rate(2,10s)", "conn_cur"},
			KeepOnReload: true,
		},
	}
}

func TestStickTableFrontend(t *testing.T) {
	f := newFixture(t)
	got, err := f.m.CreateFrontend(limited())
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if diff := cmp.Diff(limited(), got); diff != "" {
		t.Errorf("read-back (-want +got):\n%s", diff)
	}
	file := f.read(t)
	for _, want := range []string{
		// global keeps the fixture's own tab indent (keepstyle.go).
		"\tlocalpeer switchyard\n",
		"\npeers switchyard\n  peer switchyard 127.0.0.1:10400\n",
		"  stick-table type string len 64 size 102400 expire 10000 peers switchyard store http_req_rate(10s),gpc_rate(2,10s),conn_cur\n",
		"  http-request track-sc0 req.hdr(X-User)\n",
	} {
		if !strings.Contains(file, want) {
			t.Errorf("config file lacks %q:\n%s", want, file)
		}
	}

	reloads := f.reloader.calls.Load()
	if _, err := f.m.UpdateFrontend(limited()); err != nil {
		t.Fatalf("unchanged update: %v", err)
	}
	if n := f.reloader.calls.Load(); n != reloads {
		t.Errorf("unchanged update reloaded (%d -> %d reloads)", reloads, n)
	}

	// A second table shares the one peers section.
	b := api.Backend{Name: "counted", Mode: "http", Servers: []api.Server{},
		StickTable: &api.StickTable{Type: "ip", Size: 1000, Store: []string{}, KeepOnReload: true}}
	gotB, err := f.m.CreateBackend(t.Context(), b)
	if err != nil {
		t.Fatalf("backend: %v", err)
	}
	if diff := cmp.Diff(b.StickTable, gotB.StickTable); diff != "" {
		t.Errorf("backend table (-want +got):\n%s", diff)
	}
	if n := strings.Count(f.read(t), "peer switchyard 127.0.0.1:10400"); n != 1 {
		t.Errorf("%d peer lines, want 1:\n%s", n, f.read(t))
	}

	upd := limited()
	upd.StickTable = nil
	upd.HTTPRequest = []string{} // track-sc0 needs the table
	got, err = f.m.UpdateFrontend(upd)
	if err != nil {
		t.Fatalf("drop table: %v", err)
	}
	if got.StickTable != nil || strings.Contains(f.read(t), "type string") {
		t.Errorf("table still there: %+v\n%s", got.StickTable, f.read(t))
	}
}

func TestStickTableKeepsExistingLocalPeer(t *testing.T) {
	f := newFixture(t)
	cfg := strings.Replace(f.read(t), "global\n", "global\n  localpeer edge1\n", 1)
	if err := os.WriteFile(f.cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.CreateFrontend(limited()); err != nil {
		t.Fatalf("create: %v", err)
	}
	file := f.read(t)
	if !strings.Contains(file, "  peer edge1 127.0.0.1:10400\n") || strings.Contains(file, "localpeer switchyard") {
		t.Errorf("the peer is not the file's localpeer edge1:\n%s", file)
	}
}

func TestStickTableRefused(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(*api.StickTable)
		want string
	}{
		"type":       {func(s *api.StickTable) { s.Type = "uuid" }, `type "uuid" is not one of`},
		"size":       {func(s *api.StickTable) { s.Size = 0 }, "size 0 must be from 1"},
		"store":      {func(s *api.StickTable) { s.Store = []string{"http_req_rate"} }, "takes a period"},
		"unknown":    {func(s *api.StickTable) { s.Store = []string{"req_rate(1s)"} }, "not one of HAProxy's"},
		"key length": {func(s *api.StickTable) { s.Type = "ip" }, "key_length applies to the types string, binary only"},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			before := f.read(t)
			fe := limited()
			tc.edit(fe.StickTable)
			_, err := f.m.CreateFrontend(fe)
			if code(err) != api.CodeInvalid || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `frontend "limited"`) {
				t.Fatalf("err = %v (%s), want invalid naming the frontend and %q", err, code(err), tc.want)
			}
			if f.read(t) != before {
				t.Errorf("file changed by a refused create")
			}
		})
	}
}

func TestStickTablePeersPortHeld(t *testing.T) {
	f := newFixture(t)
	l, err := net.Listen("tcp", net.JoinHostPort(api.PeersAddress, strconv.Itoa(api.PeersPort)))
	if err != nil {
		t.Fatalf("holding the peers port for the test: %v", err)
	}
	defer func() { _ = l.Close() }() // the test's own listener
	before := f.read(t)
	_, err = f.m.CreateFrontend(limited())
	if code(err) != api.CodeRejected || !strings.Contains(err.Error(), "127.0.0.1:10400") || !strings.Contains(err.Error(), "keep_on_reload = false") {
		t.Fatalf("err = %v (%s), want rejected naming the port and the way out", err, code(err))
	}
	if f.read(t) != before {
		t.Error("file changed by a refused create")
	}
	// Without keep_on_reload no peers section is needed, so the port does not matter.
	fe := limited()
	fe.StickTable.KeepOnReload = false
	if _, err := f.m.CreateFrontend(fe); err != nil {
		t.Fatalf("table without peers: %v", err)
	}
	if strings.Contains(f.read(t), "peers switchyard") {
		t.Errorf("a peers section without a table that keeps:\n%s", f.read(t))
	}
}
