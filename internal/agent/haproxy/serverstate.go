package haproxy

import (
	"context"
	"errors"
	"fmt"

	"github.com/haproxytech/client-native/v5/models"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/runtime"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// Server weight and administrative state are runtime first, file always:
// an update whose only differences are those of existing servers is
// applied through the admin socket (`set server B/S weight|state`) and
// written to haproxy.cfg in the same batch, without a reload; anything else
// goes through the normal reload, after which the same commands run again
// so the new workers hold what the file cannot say (drain).
//
// How each state is persisted in haproxy.cfg (HAProxy 2.6):
//   - maint: the `disabled` server keyword, which starts the server in
//     maintenance; the configured weight stays on the line.
//   - drain: haproxy.cfg has no keyword for it (HAProxy keeps drain only
//     in memory, in a server-state file, or from an agent check). The file
//     gets `weight 0`, which is what drain means to the balancer: no new
//     connections, established ones finish, health checks go on. The
//     configured weight is kept by the runtime (`set server … state drain`
//     does not touch the user weight), which is where a read takes it from.
//     A reload starts the new workers at weight 0; the batch then sets the
//     drain flag and the configured weight again. A reload this agent did
//     not do (by hand, or a restart) leaves `ready, weight 0` until the next
//     apply, which repairs it live.

// serverStateModel writes src's administrative state onto m, the model of
// the server line that goes to the file.
func serverStateModel(m *models.Server, src api.Server) {
	switch src.AdminState {
	case api.AdminMaint:
		m.Maintenance = enabled // the `disabled` keyword
	default:
		if m.Maintenance == enabled {
			m.Maintenance = ""
		}
	}
	if src.AdminState == api.AdminDrain {
		zero := int64(0)
		m.Weight = &zero
	}
}

// keepFileState puts back on m the weight and state keywords the file's
// server line old has: the masked form of an update, used to find out
// whether the update changes anything else.
func keepFileState(m, old *models.Server) {
	m.Weight = copyInt(old.Weight)
	m.Maintenance = old.Maintenance
}

// defaultWeight is HAProxy's weight for a server line without `weight`.
const defaultWeight = 1

// liveServers returns the runtime commands that make the running HAProxy
// hold b's server weights and states. After a reload the new workers hold
// what the file says, which is everything but drain: then only the drained
// servers are set.
func (m *Manager) liveServers(b api.Backend) func(context.Context, bool) error {
	servers := append([]api.Server(nil), b.Servers...)
	return func(ctx context.Context, afterReload bool) error {
		rt := m.runtime()
		for _, s := range servers {
			if afterReload && s.AdminState != api.AdminDrain {
				continue
			}
			w := int64(defaultWeight)
			if s.Weight != nil {
				w = *s.Weight
			}
			state := s.AdminState
			if state == "" {
				state = api.AdminReady
			}
			if err := rt.SetServerWeight(ctx, b.Name, s.Name, w); err != nil {
				return fmt.Errorf("server %q: %w", s.Name, err)
			}
			if err := rt.SetServerState(ctx, b.Name, s.Name, state); err != nil {
				return fmt.Errorf("server %q: %w", s.Name, err)
			}
		}
		return nil
	}
}

// overlayRuntime replaces the file's weight and admin state of b's servers
// with the running HAProxy's, so that a `set server … state maint` typed
// on the admin socket shows as drift. Operational state (a server DOWN by
// its health check) is not looked at: it is not configuration. A stopped
// HAProxy, or one that does not run this backend yet, leaves the file's view.
func (m *Manager) overlayRuntime(ctx context.Context, b *api.Backend) error {
	states, err := m.runtime().ShowServersState(ctx, b.Name)
	if errors.Is(err, runtime.ErrNotRunning) || errors.Is(err, runtime.ErrNoBackend) {
		return nil
	}
	if err != nil {
		return err
	}
	overlayStates(b, states)
	return nil
}

// overlayRuntimeAll is overlayRuntime for a snapshot's backends, with one
// `show servers state` for all of them.
func (m *Manager) overlayRuntimeAll(ctx context.Context, backends map[string]api.Backend) error {
	if len(backends) == 0 {
		return nil
	}
	states, err := m.runtime().ShowServersState(ctx, "")
	if errors.Is(err, runtime.ErrNotRunning) {
		return nil
	}
	if err != nil {
		return err
	}
	byBackend := map[string][]runtime.ServerState{}
	for _, st := range states {
		byBackend[st.Backend] = append(byBackend[st.Backend], st)
	}
	for name, b := range backends {
		if st, ok := byBackend[name]; ok {
			overlayStates(&b, st)
			backends[name] = b
		}
	}
	return nil
}

func overlayStates(b *api.Backend, states []runtime.ServerState) {
	live := map[string]runtime.ServerState{}
	for _, s := range states {
		if s.Backend == b.Name {
			live[s.Server] = s
		}
	}
	for i := range b.Servers {
		s := &b.Servers[i]
		st, ok := live[s.Name]
		if !ok {
			continue
		}
		state := st.AdminState()
		s.AdminState = state
		if state == api.AdminReady {
			s.AdminState = "" // the wire's default
		}
		fileDrained := s.Weight != nil && *s.Weight == 0 && state == api.AdminDrain
		switch {
		case st.Weight == defaultWeight && (s.Weight == nil || fileDrained):
			// No `weight` keyword (or drained without one): HAProxy's 1.
			s.Weight = nil
		default:
			w := st.Weight
			s.Weight = &w
		}
	}
}
