package agent

import (
	"context"
	"encoding/json"
	"strings"

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
	return s.namespaces.Get(ctx, ref.Name)
}

func (s *Server) namespaceEnsure(ctx context.Context, params json.RawMessage) (any, error) {
	ref, err := decodeNamespace(params)
	if err != nil {
		return nil, err
	}
	boot := ref.Boot == nil || *ref.Boot
	ns, recreated, err := s.namespaces.Ensure(ctx, ref.Name, boot, s.haproxyService())
	if err != nil {
		return nil, err
	}
	if recreated {
		// HAProxy opened the old namespace when it parsed its configuration
		// and keeps it; a reload makes it open the new one. It goes through
		// the change pipeline like every reload: under the machine lock,
		// counted, confirmed on the master CLI, and shared with the wave's
		// other changes.
		m, err := s.manager()
		if err != nil {
			return nil, err
		}
		if err := m.ReopenNamespaces(ctx); err != nil {
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
	users, err := s.services.ServicesInNamespace(ref.Name)
	if err != nil {
		return nil, err
	}
	if len(users) > 0 {
		return nil, api.Errorf(api.CodeRejected, "network namespace %q is still used by service %s; delete or move the service first",
			ref.Name, strings.Join(users, ", "))
	}
	return nil, s.namespaces.Delete(ctx, ref.Name, s.haproxyService())
}
