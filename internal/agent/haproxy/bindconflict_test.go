package haproxy

import (
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/haproxytech/client-native/v5/models"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func TestBindsOverlap(t *testing.T) {
	bind := func(addr string, port int64, ns string) *models.Bind {
		b := &models.Bind{Address: addr, Port: i64(port)}
		b.Namespace = ns
		return b
	}
	ranged := bind("*", 8000, "")
	ranged.PortRangeEnd = i64(8010)
	for _, tc := range []struct {
		name string
		a, b *models.Bind
		want bool
	}{
		{"same wildcard port", bind("*", 8181, ""), bind("*", 8181, ""), true},
		{"wildcard covers an address", bind("0.0.0.0", 8181, ""), bind("10.0.0.5", 8181, ""), true},
		{"ipv6 wildcard covers an address", bind("10.0.0.5", 8181, ""), bind("::", 8181, ""), true},
		{"same address", bind("127.0.0.1", 8181, ""), bind("127.0.0.1", 8181, ""), true},
		{"mapped and plain ipv4 are one address", bind("::ffff:127.0.0.1", 8181, ""), bind("127.0.0.1", 8181, ""), true},
		{"port inside a range", bind("*", 8005, ""), ranged, true},
		{"other port", bind("*", 8181, ""), bind("*", 8182, ""), false},
		{"port outside a range", bind("*", 8011, ""), ranged, false},
		{"other addresses", bind("127.0.0.1", 8181, ""), bind("127.0.0.2", 8181, ""), false},
		{"other namespaces", bind("*", 8181, "blue"), bind("*", 8181, "green"), false},
		{"unix socket", bind("/run/a.sock", 0, ""), bind("/run/a.sock", 0, ""), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := bindsOverlap(tc.a, tc.b); got != tc.want {
				t.Errorf("bindsOverlap = %v, want %v", got, tc.want)
			}
			if got := bindsOverlap(tc.b, tc.a); got != tc.want {
				t.Errorf("bindsOverlap reversed = %v, want %v", got, tc.want)
			}
		})
	}
}

// A second frontend on a port that one already binds is refused, naming
// both frontends and the address, and leaves the file as it was; with
// shared_binds it is accepted.
func TestFrontendBindConflict(t *testing.T) {
	f := newFixture(t)
	first := api.Frontend{Name: "first", Mode: "http", Binds: []api.Bind{{Address: "*", Port: i64(8181)}}, DefaultBackend: "legacy"}
	if _, err := f.m.CreateFrontend(first); err != nil {
		t.Fatalf("first frontend: %v", err)
	}
	before := f.read(t)
	second := first
	second.Name = "second"
	second.Binds = []api.Bind{{Address: "127.0.0.1", Port: i64(8181)}}
	_, err := f.m.CreateFrontend(second)
	if code(err) != api.CodeRejected {
		t.Fatalf("second frontend on the same port: got %v (code %q), want a rejection", err, code(err))
	}
	for _, want := range []string{`frontend "second"`, `frontend "first"`, "127.0.0.1:8181", "*:8181", "shared_binds"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q: %v", want, err)
		}
	}
	if after := f.read(t); after != before {
		t.Errorf("a refused frontend changed the file:\n%s", after)
	}

	// Moving an existing frontend onto the port is refused the same way.
	other := first
	other.Name = "other"
	other.Binds = []api.Bind{{Address: "*", Port: i64(8182)}}
	if _, err := f.m.CreateFrontend(other); err != nil {
		t.Fatalf("frontend on another port: %v", err)
	}
	other.Binds = []api.Bind{{Address: "*", Port: i64(8181)}}
	if _, err := f.m.UpdateFrontend(other); code(err) != api.CodeRejected {
		t.Fatalf("update onto a bound port: got %v, want a rejection", err)
	}

	second.SharedBinds = true
	if _, err := f.m.CreateFrontend(second); err != nil {
		t.Fatalf("shared_binds = true: %v", err)
	}
}

// A frontend on a port another process holds is refused before anything is
// written or reloaded (a reload would pause every listener while HAProxy
// tried to bind it); its error names the frontend and the address.
func TestFrontendOnTakenPortIsRefusedBeforeReload(t *testing.T) {
	f := newFixture(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	port := int64(l.Addr().(*net.TCPAddr).Port)
	before, reloads := f.read(t), f.reloader.calls.Load()
	fe := api.Frontend{Name: "taken", Mode: "http", Binds: []api.Bind{{Address: "127.0.0.1", Port: i64(port)}}, DefaultBackend: "legacy"}
	_, err = f.m.CreateFrontend(fe)
	if code(err) != api.CodeRejected {
		t.Fatalf("frontend on a taken port: got %v, want a rejection", err)
	}
	for _, want := range []string{`frontend "taken"`, fmt.Sprintf("127.0.0.1:%d", port), "address already in use"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q: %v", want, err)
		}
	}
	if f.read(t) != before || f.reloader.calls.Load() != reloads {
		t.Errorf("a refused frontend changed the file or reloaded")
	}
	_ = l.Close()
	if _, err := f.m.CreateFrontend(fe); err != nil {
		t.Fatalf("the same frontend once the port is free: %v", err)
	}
}
