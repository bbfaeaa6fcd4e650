package agent

import (
	"context"
	"encoding/json"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func (s *Server) frontendGet(_ context.Context, params json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	var ref api.FrontendRef
	if err := decode(params, &ref); err != nil {
		return nil, err
	}
	return m.GetFrontend(ref.Name)
}

func (s *Server) frontendCreate(_ context.Context, params json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	var f api.Frontend
	if err := decode(params, &f); err != nil {
		return nil, err
	}
	return m.CreateFrontend(f)
}

func (s *Server) frontendUpdate(_ context.Context, params json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	var f api.Frontend
	if err := decode(params, &f); err != nil {
		return nil, err
	}
	return m.UpdateFrontend(f)
}

func (s *Server) frontendDelete(_ context.Context, params json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	var ref api.FrontendRef
	if err := decode(params, &ref); err != nil {
		return nil, err
	}
	return nil, m.DeleteFrontend(ref.Name)
}
