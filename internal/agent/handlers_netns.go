package agent

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/netns"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/systemd"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

// haproxyService is the unit HAProxy runs as, which namespaces order before.
func (s *Server) haproxyService() string {
	if m, err := s.manager(); err == nil && m.Settings().Service != "" {
		return strings.TrimSuffix(m.Settings().Service, ".service")
	}
	return api.DefaultHAProxySettings().Service
}

func decodeNamespace(params json.RawMessage) (api.NamespaceRef, error) {
	var ref api.NamespaceRef
	if err := decode(params, &ref); err != nil {
		return ref, err
	}
	if err := grammar.NamespaceName(ref.Name); err != nil {
		return ref, api.Errorf(api.CodeInvalid, "%v", err)
	}
	return ref, nil
}

func (s *Server) namespaceGet(ctx context.Context, params json.RawMessage) (any, error) {
	ref, err := decodeNamespace(params)
	if err != nil {
		return nil, err
	}
	return netns.Get(ctx, ref.Name)
}

func (s *Server) namespaceEnsure(ctx context.Context, params json.RawMessage) (any, error) {
	ref, err := decodeNamespace(params)
	if err != nil {
		return nil, err
	}
	ns, recreated, err := netns.Ensure(ctx, ref.Name, s.haproxyService())
	if err != nil {
		return nil, err
	}
	if recreated {
		// HAProxy opened the old namespace when it parsed its configuration
		// and keeps it; a reload makes it open the new one. Nothing in the
		// configuration changes, so this is not a pipeline change.
		if _, err := systemd.Systemctl(ctx, "try-reload-or-restart", "--", s.haproxyService()+".service"); err != nil {
			return nil, err
		}
	}
	return ns, nil
}

func (s *Server) namespaceDelete(ctx context.Context, params json.RawMessage) (any, error) {
	ref, err := decodeNamespace(params)
	if err != nil {
		return nil, err
	}
	users, err := systemd.ServicesInNamespace(ref.Name)
	if err != nil {
		return nil, err
	}
	if len(users) > 0 {
		return nil, api.Errorf(api.CodeRejected, "network namespace %q is still used by service %s; delete or move the service first",
			ref.Name, strings.Join(users, ", "))
	}
	return nil, netns.Delete(ctx, ref.Name, s.haproxyService())
}
