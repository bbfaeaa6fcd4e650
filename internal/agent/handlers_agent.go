package agent

import (
	"context"
	"encoding/json"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/haproxy"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/host"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/version"
)

// configure opens HAProxy's configuration with the given paths. It may be
// called again (the provider reconnecting with other settings); the
// counters carry over.
func (s *Server) configure(ctx context.Context, params json.RawMessage) (any, error) {
	var p api.Configure
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	window := s.opts.BatchWindow
	switch {
	case window == 0:
		window = haproxy.DefaultBatchWindow
	case window < 0:
		window = 0
	}
	m, err := haproxy.New(ctx, haproxy.Options{
		HAProxy:        p.HAProxy,
		TransactionDir: s.opts.TransactionDir,
		Lock:           s.lock,
		BatchWindow:    window,
		Systemctl:      s.opts.Systemctl,
		Reloader:       s.opts.Reloader,
		Reloads:        &s.reloads,
		Pipeline:       &s.pipeline,
		// A namespace deleted by hand would block every change; the unit
		// of a managed one brings it back before `haproxy -c`, under the
		// pipeline's machine lock.
		ReviveNamespace: s.namespaces.Revive,
		Logf:            s.logf,
	})
	if err != nil {
		return nil, api.Errorf(api.CodeInvalid, "configuring HAProxy access: %v", err)
	}
	v := host.HAProxyVersion(ctx, m.Settings().Binary)
	s.mu.Lock()
	s.hap, s.haproxyVersion = m, v
	s.mu.Unlock()
	return s.info(ctx), nil
}

func (s *Server) hostInfo(ctx context.Context, _ json.RawMessage) (any, error) {
	if _, err := s.manager(); err != nil {
		return nil, err
	}
	return s.info(ctx), nil
}

func (s *Server) info(ctx context.Context) api.HostInfo {
	s.mu.RLock()
	v := s.haproxyVersion
	s.mu.RUnlock()
	info := host.Info(ctx, "")
	info.HAProxyVersion = v
	info.AgentVersion = version.Version
	info.Protocol = api.ProtocolVersion
	info.Requests = s.requests.Load()
	info.Reloads = s.reloads.Load()
	return info
}

// manager returns the HAProxy manager, or CodeInvalid before configure.
func (s *Server) manager() (*haproxy.Manager, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.hap == nil {
		return nil, api.Errorf(api.CodeInvalid, "the agent is not configured: %s must be the first call", api.MethodConfigure)
	}
	return s.hap, nil
}
