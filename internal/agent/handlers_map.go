package agent

import (
	"context"
	"encoding/json"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func (s *Server) mapGet(ctx context.Context, params json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	var ref api.MapRef
	if err := decode(params, &ref); err != nil {
		return nil, err
	}
	return m.GetMap(ctx, ref.Name)
}

func (s *Server) mapCreate(ctx context.Context, params json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	var spec api.MapSpec
	if err := decode(params, &spec); err != nil {
		return nil, err
	}
	return m.CreateMap(ctx, spec)
}

func (s *Server) mapUpdate(ctx context.Context, params json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	var spec api.MapSpec
	if err := decode(params, &spec); err != nil {
		return nil, err
	}
	return m.UpdateMap(ctx, spec)
}

func (s *Server) mapDelete(ctx context.Context, params json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	var ref api.MapRef
	if err := decode(params, &ref); err != nil {
		return nil, err
	}
	return nil, m.DeleteMap(ctx, ref.Name)
}

func (s *Server) mapEntryGet(ctx context.Context, params json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	var ref api.MapEntryRef
	if err := decode(params, &ref); err != nil {
		return nil, err
	}
	return m.GetMapEntry(ctx, ref)
}

func (s *Server) mapEntrySet(ctx context.Context, params json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	var spec api.MapEntrySpec
	if err := decode(params, &spec); err != nil {
		return nil, err
	}
	return m.SetMapEntry(ctx, spec)
}

func (s *Server) mapEntryDelete(ctx context.Context, params json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	var ref api.MapEntryRef
	if err := decode(params, &ref); err != nil {
		return nil, err
	}
	return nil, m.DeleteMapEntry(ctx, ref)
}
