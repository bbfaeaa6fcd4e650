package agent

import (
	"context"
	"encoding/json"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

func decodeServiceName(name string) error {
	if err := grammar.ServiceName(name); err != nil {
		return api.Errorf(api.CodeInvalid, "%v", err)
	}
	return nil
}

func (s *Server) serviceGet(ctx context.Context, params json.RawMessage) (any, error) {
	var ref api.ServiceRef
	if err := decode(params, &ref); err != nil {
		return nil, err
	}
	if err := decodeServiceName(ref.Name); err != nil {
		return nil, err
	}
	if ref.Import {
		if err := s.services.CheckImportable(ref.Name); err != nil {
			return nil, err
		}
	}
	return s.services.GetService(ctx, ref.Name)
}

func (s *Server) serviceApply(ctx context.Context, params json.RawMessage) (any, error) {
	var svc api.Service
	if err := decode(params, &svc); err != nil {
		return nil, err
	}
	if err := decodeServiceName(svc.Name); err != nil {
		return nil, err
	}
	if svc.Namespace != "" {
		if err := grammar.NamespaceName(svc.Namespace); err != nil {
			return nil, api.Errorf(api.CodeInvalid, "%v", err)
		}
	}
	return s.services.ApplyService(ctx, svc, svc.Create)
}

func (s *Server) serviceDelete(ctx context.Context, params json.RawMessage) (any, error) {
	var ref api.ServiceRef
	if err := decode(params, &ref); err != nil {
		return nil, err
	}
	if err := decodeServiceName(ref.Name); err != nil {
		return nil, err
	}
	return nil, s.services.DeleteService(ctx, ref.Name)
}
