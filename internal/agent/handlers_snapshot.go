package agent

import (
	"context"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/haproxy"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// snapshotHandler serves api.MethodSnapshot: a whole refresh wave's reads
// of one kind in one request (see haproxy.Manager.Snapshot).
func (s *Server) snapshotHandler() handler {
	return onManager(s, func(ctx context.Context, m *haproxy.Manager, r api.SnapshotRequest) (any, error) {
		return m.Snapshot(ctx, r.Kinds)
	})
}
