package haproxy

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReviveNamespacesAsksForEveryNamedNamespaceOnce(t *testing.T) {
	cfg := []byte(`global
  stats socket /run/haproxy/admin.sock level admin

frontend web
  bind 10.0.0.1:80 namespace edge
  bind 10.0.0.1:81
  default_backend app

backend app
  server app1 127.0.0.1:8000 check namespace blue
  server app2 127.0.0.1:8000 namespace green inter 2s
  server app3 127.0.0.1:8000 namespace blue
  # server old 127.0.0.1:8000 namespace commented-out
  http-request set-header x-namespace namespace-is-not-a-server-keyword

backend other
  default-server namespace gold
  server plain 127.0.0.1:8080
`)
	var asked []string
	m := &Manager{opts: Options{ReviveNamespace: func(_ context.Context, name string) (bool, error) {
		asked = append(asked, name)
		return name == "green", nil
	}}}
	m.reviveNamespaces(context.Background(), cfg)
	if diff := cmp.Diff([]string{"edge", "blue", "green", "gold"}, asked); diff != "" {
		t.Errorf("namespaces asked for (-want +got):\n%s", diff)
	}
}

func TestReviveNamespacesWithoutHookDoesNothing(t *testing.T) {
	m := &Manager{}
	m.reviveNamespaces(context.Background(), []byte("backend a\n  server s 127.0.0.1:1 namespace x\n")) // must not panic
}
