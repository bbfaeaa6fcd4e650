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

// A backend's tcp-request, tcp-response and http-after-response lists go
// through the same ruleList: written in order after the section's other
// rules, read back, left alone when not managed, removed by an empty list;
// a frontend-only tcp-request kind is refused before anything is queued.
func TestBackendOptionalRuleLists(t *testing.T) {
	f := newFixture(t)
	b := api.Backend{Name: "app", Mode: "http", Servers: []api.Server{{Name: "s1", Address: "127.0.0.1", Port: i64(18080)}},
		TCPRequest:        &[]string{"inspect-delay 2s", "content reject if { req.len lt 1 }"},
		TCPResponse:       &[]string{"inspect-delay 1s", "content accept"},
		HTTPAfterResponse: &[]string{"set-header X-After yes", "del-header Server"}}
	got, err := f.m.CreateBackend(t.Context(), b)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	for name, pair := range map[string][2]*[]string{
		"tcp_request":         {{"inspect-delay 2000", "content reject if { req.len lt 1 }"}, got.TCPRequest},
		"tcp_response":        {{"inspect-delay 1000", "content accept"}, got.TCPResponse},
		"http_after_response": {{"set-header X-After yes", "del-header Server"}, got.HTTPAfterResponse},
	} {
		if diff := cmp.Diff(pair[0], pair[1]); diff != "" {
			t.Errorf("%s read back (-want +got):\n%s", name, diff)
		}
	}
	file := f.read(t)
	for _, want := range []string{
		"  tcp-request inspect-delay 2000\n  tcp-request content reject if { req.len lt 1 }\n",
		"  tcp-response inspect-delay 1000\n  tcp-response content accept\n",
		"  http-after-response set-header X-After yes\n  http-after-response del-header Server\n",
	} {
		if !strings.Contains(file, want) {
			t.Errorf("file lacks %q:\n%s", want, file)
		}
	}

	unmanaged := b
	unmanaged.TCPRequest, unmanaged.TCPResponse, unmanaged.HTTPAfterResponse = nil, nil, nil
	if got, err = f.m.UpdateBackend(t.Context(), unmanaged); err != nil {
		t.Fatalf("update without rules: %v", err)
	}
	if got.TCPRequest == nil || got.TCPResponse == nil || got.HTTPAfterResponse == nil {
		t.Errorf("not managed, yet rules changed: %+v", got)
	}

	bad := b
	bad.TCPRequest = &[]string{"connection reject"}
	before := f.read(t)
	_, err = f.m.UpdateBackend(t.Context(), bad)
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.Code != api.CodeInvalid || !strings.Contains(err.Error(), "belong on the frontend") {
		t.Errorf("connection rule in a backend: %v, want an invalid-input error saying where it belongs", err)
	}
	if after := f.read(t); after != before {
		t.Errorf("a refused rule changed the file")
	}

	none := b
	none.TCPRequest, none.TCPResponse, none.HTTPAfterResponse = &[]string{}, &[]string{}, &[]string{}
	if got, err = f.m.UpdateBackend(t.Context(), none); err != nil {
		t.Fatalf("update with no rules: %v", err)
	}
	file = f.read(t)
	if got.TCPRequest != nil || got.TCPResponse != nil || got.HTTPAfterResponse != nil ||
		strings.Contains(file, "tcp-re") || strings.Contains(file, "http-after-response") {
		t.Errorf("empty lists left rules: %+v\n%s", got, file)
	}
}

// A frontend's http-after-response list, next to its always-managed
// http-response one.
func TestFrontendHTTPAfterResponseRules(t *testing.T) {
	f := newFixture(t)
	fe := api.Frontend{Name: "web", Mode: "http", Binds: []api.Bind{{Address: "127.0.0.1", Port: i64(18081)}},
		ACLs: []string{}, HTTPRequest: []string{}, HTTPResponse: []string{"del-header Server"}, UseBackends: []api.UseBackend{},
		HTTPAfterResponse: &[]string{"set-header X-After yes"}}
	got, err := f.m.CreateFrontend(fe)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if diff := cmp.Diff(&[]string{"set-header X-After yes"}, got.HTTPAfterResponse); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"del-header Server"}, got.HTTPResponse); diff != "" {
		t.Errorf("http-response (-want +got):\n%s", diff)
	}
	fe.HTTPAfterResponse = &[]string{"set-header X-After"}
	if _, err := f.m.UpdateFrontend(fe); code(err) != api.CodeInvalid {
		t.Errorf("bad rule: %v, want invalid", err)
	}
}
