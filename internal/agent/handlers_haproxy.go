package agent

import (
	"context"
	"encoding/json"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/haproxy"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// onManager adapts a haproxy.Manager method to a handler: every HAProxy
// method needs a configured session and its params decoded into one type,
// so that is done here once rather than in each handler.
func onManager[P any](s *Server, f func(ctx context.Context, m *haproxy.Manager, p P) (any, error)) handler {
	return func(ctx context.Context, params json.RawMessage) (any, error) {
		m, err := s.manager()
		if err != nil {
			return nil, err
		}
		var p P
		if err := decode(params, &p); err != nil {
			return nil, err
		}
		return f(ctx, m, p)
	}
}

// onManagerNoParams is onManager for methods that take no params.
func onManagerNoParams(s *Server, f func(ctx context.Context, m *haproxy.Manager) (any, error)) handler {
	return func(ctx context.Context, _ json.RawMessage) (any, error) {
		m, err := s.manager()
		if err != nil {
			return nil, err
		}
		return f(ctx, m)
	}
}

// haproxyHandlers are the methods served by the HAProxy manager: config
// sections through the change pipeline, maps through the runtime API.
func (s *Server) haproxyHandlers() map[string]handler {
	return map[string]handler{
		api.MethodBackendGet: onManager(s, func(ctx context.Context, m *haproxy.Manager, r api.BackendRef) (any, error) {
			return m.GetBackend(ctx, r.Name)
		}),
		api.MethodBackendList: onManagerNoParams(s, func(_ context.Context, m *haproxy.Manager) (any, error) {
			names, err := m.ListBackends()
			if err != nil {
				return nil, err
			}
			return api.NameList{Names: names}, nil
		}),
		api.MethodBackendCreate: onManager(s, func(ctx context.Context, m *haproxy.Manager, b api.Backend) (any, error) {
			return m.CreateBackend(ctx, b)
		}),
		api.MethodBackendUpdate: onManager(s, func(ctx context.Context, m *haproxy.Manager, b api.Backend) (any, error) {
			return m.UpdateBackend(ctx, b)
		}),
		api.MethodBackendDelete: onManager(s, func(_ context.Context, m *haproxy.Manager, r api.BackendRef) (any, error) {
			return nil, m.DeleteBackend(r.Name)
		}),

		api.MethodFrontendGet: onManager(s, func(_ context.Context, m *haproxy.Manager, r api.FrontendRef) (any, error) {
			return m.GetFrontend(r.Name)
		}),
		api.MethodFrontendCreate: onManager(s, func(_ context.Context, m *haproxy.Manager, f api.Frontend) (any, error) {
			return m.CreateFrontend(f)
		}),
		api.MethodFrontendUpdate: onManager(s, func(_ context.Context, m *haproxy.Manager, f api.Frontend) (any, error) {
			return m.UpdateFrontend(f)
		}),
		api.MethodFrontendDelete: onManager(s, func(_ context.Context, m *haproxy.Manager, r api.FrontendRef) (any, error) {
			return nil, m.DeleteFrontend(r.Name)
		}),

		api.MethodUserlistGet: onManager(s, func(_ context.Context, m *haproxy.Manager, r api.UserlistRef) (any, error) {
			return m.GetUserlist(r.Name)
		}),
		api.MethodUserlistCreate: onManager(s, func(_ context.Context, m *haproxy.Manager, u api.Userlist) (any, error) {
			return m.CreateUserlist(u)
		}),
		api.MethodUserlistUpdate: onManager(s, func(_ context.Context, m *haproxy.Manager, u api.Userlist) (any, error) {
			return m.UpdateUserlist(u)
		}),
		api.MethodUserlistDelete: onManager(s, func(_ context.Context, m *haproxy.Manager, r api.UserlistRef) (any, error) {
			return nil, m.DeleteUserlist(r.Name)
		}),

		api.MethodCacheGet: onManager(s, func(_ context.Context, m *haproxy.Manager, r api.CacheRef) (any, error) {
			return m.GetCache(r.Name)
		}),
		api.MethodCacheCreate: onManager(s, func(_ context.Context, m *haproxy.Manager, c api.Cache) (any, error) {
			return m.CreateCache(c)
		}),
		api.MethodCacheUpdate: onManager(s, func(_ context.Context, m *haproxy.Manager, c api.Cache) (any, error) {
			return m.UpdateCache(c)
		}),
		api.MethodCacheDelete: onManager(s, func(_ context.Context, m *haproxy.Manager, r api.CacheRef) (any, error) {
			return nil, m.DeleteCache(r.Name)
		}),

		api.MethodMapGet: onManager(s, func(ctx context.Context, m *haproxy.Manager, r api.MapRef) (any, error) {
			return m.GetMap(ctx, r.Name)
		}),
		api.MethodMapCreate: onManager(s, func(ctx context.Context, m *haproxy.Manager, spec api.MapSpec) (any, error) {
			return m.CreateMap(ctx, spec)
		}),
		api.MethodMapUpdate: onManager(s, func(ctx context.Context, m *haproxy.Manager, spec api.MapSpec) (any, error) {
			return m.UpdateMap(ctx, spec)
		}),
		api.MethodMapDelete: onManager(s, func(ctx context.Context, m *haproxy.Manager, r api.MapRef) (any, error) {
			return nil, m.DeleteMap(ctx, r.Name)
		}),
		api.MethodMapEntryGet: onManager(s, func(ctx context.Context, m *haproxy.Manager, r api.MapEntryRef) (any, error) {
			return m.GetMapEntry(ctx, r)
		}),
		api.MethodMapEntrySet: onManager(s, func(ctx context.Context, m *haproxy.Manager, spec api.MapEntrySpec) (any, error) {
			return m.SetMapEntry(ctx, spec)
		}),
		api.MethodMapEntryDelete: onManager(s, func(ctx context.Context, m *haproxy.Manager, r api.MapEntryRef) (any, error) {
			return nil, m.DeleteMapEntry(ctx, r)
		}),

		api.MethodCertificateGet: onManager(s, func(ctx context.Context, m *haproxy.Manager, r api.CertificateRef) (any, error) {
			return m.GetCertificate(ctx, r.Name)
		}),
		api.MethodCertificateCreate: onManager(s, func(ctx context.Context, m *haproxy.Manager, spec api.CertificateSpec) (any, error) {
			return m.CreateCertificate(ctx, spec)
		}),
		api.MethodCertificateUpdate: onManager(s, func(ctx context.Context, m *haproxy.Manager, spec api.CertificateSpec) (any, error) {
			return m.UpdateCertificate(ctx, spec)
		}),
		api.MethodCertificateDelete: onManager(s, func(ctx context.Context, m *haproxy.Manager, r api.CertificateRef) (any, error) {
			return nil, m.DeleteCertificate(ctx, r.Name)
		}),

		api.MethodSnapshot: s.snapshotHandler(),

		api.MethodInstanceGet: onManagerNoParams(s, func(ctx context.Context, m *haproxy.Manager) (any, error) {
			return m.GetInstance(ctx)
		}),
		api.MethodInstanceApply: onManager(s, func(ctx context.Context, m *haproxy.Manager, in api.Instance) (any, error) {
			return m.ApplyInstance(ctx, in)
		}),
	}
}
