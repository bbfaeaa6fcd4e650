package haproxy

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// A hand-written file says less than Switchyard writes: sections that
// inherit mode and balance, `bind :80` without `*`, servers without ports.
// Each must read back as exactly what the file says, and an update of one
// thing must leave those lines as they were (issue 17).
func TestHandWrittenSectionsReadAsWritten(t *testing.T) {
	f := newFixture(t)
	cfg := f.read(t) + `
frontend hand
  bind :8181
  bind *:8182
  default_backend handpool

backend handpool
  option httpchk
  server s1 127.0.0.1
  server s2 127.0.0.1:8080
`
	if err := os.WriteFile(f.cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	fe, err := f.m.GetFrontend("hand")
	if err != nil {
		t.Fatal(err)
	}
	wantBinds := []api.Bind{{Address: "", Port: i64(8181)}, {Address: "*", Port: i64(8182)}}
	if diff := cmp.Diff(wantBinds, fe.Binds); diff != "" || fe.Mode != "" {
		t.Errorf("frontend mode %q, binds (-want +got):\n%s", fe.Mode, diff)
	}
	be, err := f.m.GetBackend(context.Background(), "handpool")
	if err != nil {
		t.Fatal(err)
	}
	if be.InheritedMode != "http" || fe.InheritedMode != "http" {
		t.Errorf("inherited modes: backend %q, frontend %q, want the defaults' http", be.InheritedMode, fe.InheritedMode)
	}
	if be.Mode != "" || be.Balance != "" || be.Servers[0].Port != nil || be.HTTPCheck == nil || *be.HTTPCheck != (api.HTTPCheck{}) {
		t.Errorf("backend read as mode %q balance %q port %v check %+v, want all absent", be.Mode, be.Balance, be.Servers[0].Port, be.HTTPCheck)
	}

	// An update that adds a server writes no mode/balance/port and keeps
	// the bind forms.
	be.Servers = append(be.Servers, api.Server{Name: "s3", Address: "127.0.0.1", Port: i64(8081)})
	if _, err := f.m.UpdateBackend(context.Background(), be); err != nil {
		t.Fatalf("update backend: %v", err)
	}
	if _, err := f.m.UpdateFrontend(fe); err != nil {
		t.Fatalf("update frontend: %v", err)
	}
	file := f.read(t)
	// client-native writes every bind it creates with `name`; a line that
	// had none keeps having none.
	for _, want := range []string{"  bind :8181\n", "  bind *:8182\n", "  server s1 127.0.0.1\n", "  server s3 127.0.0.1:8081\n", "  option httpchk\n"} {
		if !strings.Contains(file, want) {
			t.Errorf("file lacks %q:\n%s", want, file)
		}
	}
	section, _, _ := strings.Cut(file[strings.Index(file, "backend handpool"):], "\n\n")
	if strings.Contains(section, "mode ") || strings.Contains(section, "balance") {
		t.Errorf("update wrote mode or balance into the backend:\n%s", section)
	}
}

// A proxy's inherited mode is its own defaults section's (`from`), and
// client-native's rewrite keeps the defaults sections in file order, so a
// second defaults section placed first changes nothing for the others.
func TestInheritedModeFollowsFrom(t *testing.T) {
	f := newFixture(t)
	cfg := strings.Replace(f.read(t), "defaults base\n", "defaults aaatcp\n\tmode tcp\n\ttimeout connect 5s\n\ttimeout client 5s\n\ttimeout server 5s\n\ndefaults base\n", 1) + `
backend tcppool from aaatcp
  server s1 127.0.0.1:9000
`
	if err := os.WriteFile(f.cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	be, err := f.m.GetBackend(context.Background(), "tcppool")
	if err != nil {
		t.Fatal(err)
	}
	if be.InheritedMode != "tcp" {
		t.Errorf("inherited mode %q, want tcp from aaatcp", be.InheritedMode)
	}
	if l, err := f.m.GetBackend(context.Background(), "legacy"); err != nil || l.InheritedMode != "http" {
		t.Errorf("before a write, legacy inherits %q (%v), want http", l.InheritedMode, err)
	}
	be.Servers = append(be.Servers, api.Server{Name: "s2", Address: "127.0.0.1", Port: i64(9001)})
	if _, err := f.m.UpdateBackend(context.Background(), be); err != nil {
		t.Fatalf("update: %v", err)
	}
	legacy, err := f.m.GetBackend(context.Background(), "legacy")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := f.m.GetBackend(context.Background(), "tcppool"); err != nil || got.InheritedMode != "tcp" {
		t.Errorf("after a write, tcppool inherits %q (%v), want tcp", got.InheritedMode, err)
	}
	file := f.read(t)
	if legacy.InheritedMode != "http" || strings.Index(file, "defaults aaatcp") > strings.Index(file, "defaults base") {
		t.Errorf("after a write, legacy inherits %q (want http) from:\n%s", legacy.InheritedMode, file)
	}
}
