package haproxy

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// tcp-request rules are written in order, read back, left alone when not
// managed, removed by an empty list; a bad line is refused before anything
// is queued and leaves the file as it was.
func TestFrontendTCPRequestRules(t *testing.T) {
	f := newFixture(t)
	db := api.Frontend{Name: "db", Mode: "tcp", Binds: []api.Bind{{Address: "127.0.0.1", Port: i64(15432)}},
		ACLs: []string{}, HTTPRequest: []string{}, UseBackends: []api.UseBackend{},
		TCPRequest: &[]string{"inspect-delay 5s", "connection reject if { src 192.0.2.0/24 }", "content accept if { req.len gt 0 }"}}
	got, err := f.m.CreateFrontend(db)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	// client-native writes the delay in milliseconds.
	want := &[]string{"inspect-delay 5000", "connection reject if { src 192.0.2.0/24 }", "content accept if { req.len gt 0 }"}
	if diff := cmp.Diff(want, got.TCPRequest); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
	file := f.read(t)
	if !strings.Contains(file, "  tcp-request inspect-delay 5000\n  tcp-request connection reject if { src 192.0.2.0/24 }\n  tcp-request content accept if { req.len gt 0 }\n") {
		t.Errorf("file lacks the rules in order:\n%s", file)
	}

	unmanaged := db
	unmanaged.TCPRequest = nil
	if got, err = f.m.UpdateFrontend(unmanaged); err != nil {
		t.Fatalf("update without rules: %v", err)
	}
	if got.TCPRequest == nil || len(*got.TCPRequest) != 3 {
		t.Errorf("not managed, yet the rules changed: %v", got.TCPRequest)
	}

	bad := db
	bad.TCPRequest = &[]string{"connection explode"}
	before := f.read(t)
	_, err = f.m.UpdateFrontend(bad)
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.Code != api.CodeInvalid || !strings.Contains(err.Error(), `"connection explode"`) {
		t.Errorf("bad rule: %v, want an invalid-input error naming the line", err)
	}
	if after := f.read(t); after != before {
		t.Errorf("a refused rule changed the file")
	}

	none := db
	none.TCPRequest = &[]string{}
	if got, err = f.m.UpdateFrontend(none); err != nil {
		t.Fatalf("update with no rules: %v", err)
	}
	if got.TCPRequest != nil || strings.Contains(f.read(t), "tcp-request") {
		t.Errorf("an empty list left rules: %v", got.TCPRequest)
	}
}
