package agent

import (
	"context"
	"encoding/json"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func (s *Server) userlistGet(_ context.Context, params json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	var ref api.UserlistRef
	if err := decode(params, &ref); err != nil {
		return nil, err
	}
	return m.GetUserlist(ref.Name)
}

func (s *Server) userlistCreate(_ context.Context, params json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	var u api.Userlist
	if err := decode(params, &u); err != nil {
		return nil, err
	}
	return m.CreateUserlist(u)
}

func (s *Server) userlistUpdate(_ context.Context, params json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	var u api.Userlist
	if err := decode(params, &u); err != nil {
		return nil, err
	}
	return m.UpdateUserlist(u)
}

func (s *Server) userlistDelete(_ context.Context, params json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	var ref api.UserlistRef
	if err := decode(params, &ref); err != nil {
		return nil, err
	}
	return nil, m.DeleteUserlist(ref.Name)
}
