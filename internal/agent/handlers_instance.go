package agent

import (
	"context"
	"encoding/json"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func (s *Server) instanceGet(ctx context.Context, _ json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	return m.GetInstance(ctx)
}

func (s *Server) instanceApply(ctx context.Context, params json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	var in api.Instance
	if err := decode(params, &in); err != nil {
		return nil, err
	}
	return m.ApplyInstance(ctx, in)
}
