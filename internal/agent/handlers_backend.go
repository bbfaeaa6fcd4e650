package agent

import (
	"context"
	"encoding/json"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func (s *Server) backendGet(_ context.Context, params json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	var ref api.BackendRef
	if err := decode(params, &ref); err != nil {
		return nil, err
	}
	return m.GetBackend(ref.Name)
}

func (s *Server) backendList(_ context.Context, _ json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	names, err := m.ListBackends()
	if err != nil {
		return nil, err
	}
	return api.NameList{Names: names}, nil
}

func (s *Server) backendCreate(_ context.Context, params json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	var b api.Backend
	if err := decode(params, &b); err != nil {
		return nil, err
	}
	return m.CreateBackend(b)
}

func (s *Server) backendUpdate(_ context.Context, params json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	var b api.Backend
	if err := decode(params, &b); err != nil {
		return nil, err
	}
	return m.UpdateBackend(b)
}

func (s *Server) backendDelete(_ context.Context, params json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	var ref api.BackendRef
	if err := decode(params, &ref); err != nil {
		return nil, err
	}
	return nil, m.DeleteBackend(ref.Name)
}
