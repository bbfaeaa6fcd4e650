package haproxy

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/haproxytech/client-native/v5/models"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func strp(s string) *string { return &s }

func TestServerMapping(t *testing.T) {
	tests := []struct {
		name  string
		base  *models.Server
		in    api.Server
		model *models.Server
		back  api.Server // what reading the model gives back
	}{
		{
			name:  "minimal",
			in:    api.Server{Name: "a", Address: "127.0.0.1"},
			model: &models.Server{Name: "a", Address: "127.0.0.1"},
			back:  api.Server{Name: "a", Address: "127.0.0.1"},
		},
		{
			name: "all managed attributes",
			in:   api.Server{Name: "a", Address: "127.0.0.1", Port: i64(8080), Check: true, Weight: i64(10), Backup: true, Namespace: "app1"},
			model: &models.Server{Name: "a", Address: "127.0.0.1", Port: i64(8080),
				ServerParams: models.ServerParams{Check: "enabled", Weight: i64(10), Backup: "enabled", Namespace: "app1"}},
			back: api.Server{Name: "a", Address: "127.0.0.1", Port: i64(8080), Check: true, Weight: i64(10), Backup: true, Namespace: "app1"},
		},
		{
			name: "unmanaged parameters of the existing server survive",
			base: &models.Server{Name: "a", Address: "10.0.0.1", Port: i64(80),
				ServerParams: models.ServerParams{Check: "enabled", Maxconn: i64(20), Inter: i64(2000)}},
			in: api.Server{Name: "a", Address: "127.0.0.1", Port: i64(8080)},
			model: &models.Server{Name: "a", Address: "127.0.0.1", Port: i64(8080),
				ServerParams: models.ServerParams{Maxconn: i64(20), Inter: i64(2000)}},
			back: api.Server{Name: "a", Address: "127.0.0.1", Port: i64(8080), Maxconn: i64(20), Inter: i64(2000)},
		},
		{
			name: "inter and maxconn set",
			in:   api.Server{Name: "a", Address: "x", Inter: i64(1000), Maxconn: i64(5)},
			model: &models.Server{Name: "a", Address: "x",
				ServerParams: models.ServerParams{Inter: i64(1000), Maxconn: i64(5)}},
			back: api.Server{Name: "a", Address: "x", Inter: i64(1000), Maxconn: i64(5)},
		},
		{
			name: "inter and maxconn replace the existing values",
			base: &models.Server{Name: "a", Address: "x", ServerParams: models.ServerParams{Inter: i64(2000), Maxconn: i64(20)}},
			in:   api.Server{Name: "a", Address: "x", Inter: i64(500), Maxconn: i64(1)},
			model: &models.Server{Name: "a", Address: "x",
				ServerParams: models.ServerParams{Inter: i64(500), Maxconn: i64(1)}},
			back: api.Server{Name: "a", Address: "x", Inter: i64(500), Maxconn: i64(1)},
		},
		{
			name:  "explicit no-check is kept when check is off",
			base:  &models.Server{Name: "a", Address: "x", ServerParams: models.ServerParams{Check: "disabled"}},
			in:    api.Server{Name: "a", Address: "x"},
			model: &models.Server{Name: "a", Address: "x", ServerParams: models.ServerParams{Check: "disabled"}},
			back:  api.Server{Name: "a", Address: "x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := serverToModel(tt.base, tt.in)
			if diff := cmp.Diff(tt.model, got); diff != "" {
				t.Errorf("serverToModel (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.back, serverFromModel(got)); diff != "" {
				t.Errorf("serverFromModel (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBackendMapping(t *testing.T) {
	hdr := &models.Balance{Algorithm: strp("hdr"), HdrName: "host"}
	tests := []struct {
		name string
		cur  models.Backend
		in   api.Backend
		want models.Backend
	}{
		{
			name: "set mode and balance",
			cur:  models.Backend{Name: "web"},
			in:   api.Backend{Name: "web", Mode: "http", Balance: "roundrobin"},
			want: models.Backend{Name: "web", Mode: "http", Balance: &models.Balance{Algorithm: strp("roundrobin")}},
		},
		{
			name: "clearing leaves unmanaged fields",
			cur:  models.Backend{Name: "web", Mode: "tcp", Balance: &models.Balance{Algorithm: strp("source")}, From: "base", Description: "kept"},
			in:   api.Backend{Name: "web"},
			want: models.Backend{Name: "web", From: "base", Description: "kept"},
		},
		{
			name: "same algorithm keeps its arguments",
			cur:  models.Backend{Name: "web", Balance: hdr},
			in:   api.Backend{Name: "web", Balance: "hdr"},
			want: models.Backend{Name: "web", Balance: hdr},
		},
		{
			name: "http_check sets option httpchk",
			cur:  models.Backend{Name: "web"},
			in:   api.Backend{Name: "web", HTTPCheck: &api.HTTPCheck{Method: "GET", URI: "/health"}},
			want: models.Backend{Name: "web", AdvCheck: "httpchk", HttpchkParams: &models.HttpchkParams{Method: "GET", URI: "/health"}},
		},
		{
			name: "null http_check leaves the existing check",
			cur:  models.Backend{Name: "web", AdvCheck: "httpchk", HttpchkParams: &models.HttpchkParams{Method: "HEAD", URI: "/", Version: "HTTP/1.1"}},
			in:   api.Backend{Name: "web"},
			want: models.Backend{Name: "web", AdvCheck: "httpchk", HttpchkParams: &models.HttpchkParams{Method: "HEAD", URI: "/", Version: "HTTP/1.1"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cur
			applyBackend(&got, tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("applyBackend (-want +got):\n%s", diff)
			}
		})
	}

	got := backendFromModels(&models.Backend{Name: "web", Mode: "http", Balance: hdr},
		models.Servers{{Name: "a", Address: "127.0.0.1", Port: i64(1)}})
	want := api.Backend{Name: "web", Mode: "http", Balance: "hdr", Servers: []api.Server{{Name: "a", Address: "127.0.0.1", Port: i64(1)}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("backendFromModels (-want +got):\n%s", diff)
	}

	got = backendFromModels(&models.Backend{Name: "web", AdvCheck: "httpchk", HttpchkParams: &models.HttpchkParams{Method: "GET", URI: "/health"}}, nil)
	want = api.Backend{Name: "web", Servers: []api.Server{}, HTTPCheck: &api.HTTPCheck{Method: "GET", URI: "/health"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("backendFromModels with httpchk (-want +got):\n%s", diff)
	}
}

func TestCheckBackend(t *testing.T) {
	ok := api.Server{Name: "a", Address: "127.0.0.1"}
	tests := []struct {
		name string
		in   api.Backend
		ok   bool
	}{
		{"fine", api.Backend{Name: "web-1.x:y", Servers: []api.Server{ok}}, true},
		{"empty name", api.Backend{}, false},
		{"space in name", api.Backend{Name: "a b"}, false},
		{"newline injection in address", api.Backend{Name: "w", Servers: []api.Server{{Name: "a", Address: "1.2.3.4\n  http-request deny"}}}, false},
		{"comment in balance", api.Backend{Name: "w", Balance: "roundrobin#x"}, false},
		{"duplicate server", api.Backend{Name: "w", Servers: []api.Server{ok, ok}}, false},
		{"empty address", api.Backend{Name: "w", Servers: []api.Server{{Name: "a"}}}, false},
		{"space in namespace", api.Backend{Name: "w", Servers: []api.Server{{Name: "a", Address: "x", Namespace: "a b"}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkBackend(tt.in)
			if tt.ok != (err == nil) {
				t.Fatalf("checkBackend() = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && code(err) != api.CodeInvalid {
				t.Errorf("code = %s, want %s", code(err), api.CodeInvalid)
			}
		})
	}
}
