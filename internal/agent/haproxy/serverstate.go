package haproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/haproxytech/client-native/v5/models"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/runtime"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// Server weight and administrative state, survivors' addresses and ports,
// and (on a dynamic balance) which servers there are, are runtime first,
// file always: an update whose only differences are those is applied
// through the admin socket (`set server B/S weight|state|addr`, `add
// server`, `del server` after a drain) and written to haproxy.cfg in the
// same batch, without a reload; anything else goes through the normal
// reload, after which the state commands run again so the new workers hold
// what the file cannot say (drain). What may go live is decided by the
// functions of internal/api/backend.go that the provider's plan uses too.
// A removal through a reload needs no drain: the old workers finish their
// in-flight requests (bounded by hard-stop-after) while the new ones never
// send the server anything.
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
// hold b's servers: the list (added, removed, addresses and ports; see
// liveServerList) and every server's weight and state. After a reload the
// new workers hold what the file says, which is everything but drain: then
// only the drained servers are set (and the admin socket may still reach a
// stopping worker, whose server list must be left alone).
func (m *Manager) liveServers(b api.Backend) func(context.Context, bool) error {
	servers := append([]api.Server(nil), b.Servers...)
	drain := time.Duration(api.DefaultDrainTimeout) * time.Millisecond
	if b.DrainTimeout != nil {
		drain = time.Duration(*b.DrainTimeout) * time.Millisecond
	}
	return func(ctx context.Context, afterReload bool) error {
		rt := m.runtime()
		var gone []string
		if !afterReload {
			var err error
			if gone, err = m.liveServerList(ctx, b.Name, servers); err != nil {
				return err
			}
		}
		for _, s := range servingFirst(servers) {
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
		// Removals last, once the servers that replace them take traffic.
		return m.removeServers(ctx, b.Name, gone, drain)
	}
}

// servingFirst orders servers so that those that will take traffic (ready,
// weight above 0) are set before those that will not: draining app A while
// readying app B, or shifting weights 100/0 to 0/100, must never leave a
// moment when no server takes new connections (a 503 for that request).
func servingFirst(servers []api.Server) []api.Server {
	serving := func(s api.Server) bool {
		return (s.AdminState == "" || s.AdminState == api.AdminReady) && (s.Weight == nil || *s.Weight > 0)
	}
	out := slices.Clone(servers)
	slices.SortStableFunc(out, func(a, b api.Server) int {
		switch {
		case serving(a) == serving(b):
			return 0
		case serving(a):
			return -1
		}
		return 1
	})
	return out
}

// liveServerList makes the running backend's server list the one of the
// file: it adds the servers the runtime lacks (in maintenance, as HAProxy
// adds them; the caller sets their state), points survivors at a changed
// address or port, and returns the running servers the file no longer has,
// for removeServers. That includes a server left at runtime by an agent that
// died while draining it: the next live apply of the backend removes it.
// Whether the change may go live at all was decided on the file, with
// api.ServerListBlockers and api.LiveAddress (see updateBackend).
func (m *Manager) liveServerList(ctx context.Context, backend string, want []api.Server) ([]string, error) {
	rt := m.runtime()
	states, err := rt.ShowServersState(ctx, backend)
	if err != nil {
		return nil, err
	}
	running := map[string]runtime.ServerState{}
	for _, st := range states {
		running[st.Server] = st
	}
	keep := map[string]bool{}
	for _, s := range want {
		keep[s.Name] = true
		st, ok := running[s.Name]
		if !ok {
			if err := rt.AddServer(ctx, backend, s.Name, serverAddress(s), addKeywords(s)); err != nil {
				return nil, fmt.Errorf("server %q: %w", s.Name, err)
			}
			if s.Check {
				if err := rt.EnableHealth(ctx, backend, s.Name); err != nil {
					return nil, fmt.Errorf("server %q: %w", s.Name, err)
				}
			}
			continue
		}
		port := int64(0)
		if s.Port != nil {
			port = *s.Port
		}
		// A host name cannot be compared with the address it resolved to,
		// nor set at runtime: a changed one went through a reload.
		ip := net.ParseIP(s.Address)
		if ip != nil && (!ip.Equal(net.ParseIP(st.Address)) || st.Port != port) {
			if err := rt.SetServerAddr(ctx, backend, s.Name, s.Address, port); err != nil {
				return nil, fmt.Errorf("server %q: %w", s.Name, err)
			}
		}
	}
	var gone []string
	for _, st := range states {
		if !keep[st.Server] {
			gone = append(gone, st.Server)
		}
	}
	return gone, nil
}

// serverAddress is a server's address as a server line writes it.
func serverAddress(s api.Server) string {
	if s.Port == nil {
		return s.Address
	}
	return fmt.Sprintf("%s:%d", s.Address, *s.Port)
}

// addKeywords are the `add server` keywords for s: those of the line the
// file gets for a new server (serverToModel with no base), all of which
// `add server` takes in 2.6. State and weight are set after the add.
func addKeywords(s api.Server) []string {
	var kw []string
	if s.Check {
		kw = append(kw, "check")
	}
	if s.Inter != nil {
		kw = append(kw, fmt.Sprintf("inter %d", *s.Inter))
	}
	if s.Maxconn != nil {
		kw = append(kw, fmt.Sprintf("maxconn %d", *s.Maxconn))
	}
	if s.Backup {
		kw = append(kw, "backup")
	}
	if s.Weight != nil {
		kw = append(kw, fmt.Sprintf("weight %d", *s.Weight))
	}
	return append(kw, addResilienceKeywords(s)...)
}

// drainPoll is how often a removal looks at the draining servers'
// sessions; delBusyRetries × drainPoll bounds the wait for HAProxy to close
// the connections of a server it was told to cut.
const (
	drainPoll      = 100 * time.Millisecond
	delBusyRetries = 30
)

// removeServers takes servers out of a running backend without cutting a
// request: drain (no new connections; established ones go on), wait until
// they have no sessions or the drain timeout has passed, maint, cut what is
// left (`shutdown sessions server`) only then, and `del server`. All of a
// backend's removed servers drain at once. This runs under the machine
// lock, so a drain holds up the machine's other changes for as long as it
// lasts (drain_timeout at most).
//
// `del server` refuses a server with idle connections too: on 2.6.12, maint
// already purged them in every test (the lab apps keep connections alive),
// and a refusal is retried for a moment; a server that still refuses fails
// the live change, and the pipeline's reload removes it instead (the file
// is already right, and old workers finish their requests on their own).
func (m *Manager) removeServers(ctx context.Context, backend string, names []string, timeout time.Duration) error {
	if len(names) == 0 {
		return nil
	}
	rt := m.runtime()
	for _, name := range names {
		if err := rt.SetServerState(ctx, backend, name, api.AdminDrain); err != nil {
			return fmt.Errorf("draining server %q: %w", name, err)
		}
	}
	deadline := time.Now().Add(timeout)
	busy := names
	for len(busy) > 0 && time.Now().Before(deadline) {
		sessions, err := rt.Sessions(ctx, backend)
		if err != nil {
			return err
		}
		busy = slices.DeleteFunc(slices.Clone(busy), func(n string) bool { return sessions[n] == 0 })
		if len(busy) > 0 {
			time.Sleep(drainPoll)
		}
	}
	for _, name := range names {
		if err := rt.SetServerState(ctx, backend, name, api.AdminMaint); err != nil {
			return fmt.Errorf("server %q: %w", name, err)
		}
		if slices.Contains(busy, name) {
			m.logf("backend %s: server %q still had sessions after its drain timeout (%s): cutting them", backend, name, timeout)
			if err := rt.ShutdownSessions(ctx, backend, name); err != nil {
				return fmt.Errorf("server %q: %w", name, err)
			}
		}
		for try := 0; ; try++ {
			err := rt.DeleteServer(ctx, backend, name)
			if err == nil {
				break
			}
			if !errors.Is(err, runtime.ErrServerBusy) || try == delBusyRetries {
				return fmt.Errorf("removing server %q: %w", name, err)
			}
			time.Sleep(drainPoll)
		}
	}
	return nil
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
