package haproxy

import (
	"context"
	"slices"
	"strings"

	parser "github.com/haproxytech/client-native/v5/config-parser"
	"github.com/haproxytech/client-native/v5/configuration"
	"github.com/haproxytech/client-native/v5/models"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

// parentBackend is client-native's parent type for servers of a backend.
const parentBackend = "backend"

// GetBackend reads a backend as it is in the file on disk now, with its
// servers' weight and admin state as the running HAProxy has them.
func (m *Manager) GetBackend(ctx context.Context, name string) (api.Backend, error) {
	if err := checkBackendName(name); err != nil {
		return api.Backend{}, err
	}
	var out api.Backend
	err := m.cfg.read(func(cl configuration.Configuration) error {
		var err error
		out, err = readBackend(cl, name, "")
		return err
	})
	if err == nil {
		err = m.overlayRuntime(ctx, &out)
	}
	return out, apiError(label("backend", name), err)
}

// ListBackends returns the names of all backends, sorted.
func (m *Manager) ListBackends() ([]string, error) {
	var names []string
	err := m.cfg.read(func(cl configuration.Configuration) error {
		_, bs, err := cl.GetBackends("")
		if err != nil {
			return err
		}
		for _, b := range bs {
			names = append(names, b.Name)
		}
		return nil
	})
	if err != nil {
		return nil, apiError("backends", err)
	}
	slices.Sort(names)
	if names == nil {
		names = []string{}
	}
	return names, nil
}

// CreateBackend adds a backend with its servers and returns it as read back
// once HAProxy runs it.
func (m *Manager) CreateBackend(ctx context.Context, b api.Backend) (api.Backend, error) {
	if err := checkBackend(b); err != nil {
		return api.Backend{}, err
	}
	requests, err := backendRequestRules(b)
	if err != nil {
		return api.Backend{}, err
	}
	responses, err := backendResponseRules(b)
	if err != nil {
		return api.Backend{}, err
	}
	optional, err := parseSectionRules(grammar.SectionBackend, b.TCPRequest, b.TCPResponse, b.HTTPAfterResponse)
	if err != nil {
		return api.Backend{}, api.Errorf(api.CodeInvalid, "%s: %v", label("backend", b.Name), err)
	}
	lbl := label("backend", b.Name)
	create := func(cl configuration.Configuration, tx string) error {
		model := &models.Backend{Name: b.Name}
		applyBackend(model, b)
		model.From = defaultsFor(cl, tx)
		if err := ensurePeers(cl, tx, b.StickTable); err != nil {
			return err
		}
		if err := cl.CreateBackend(model, tx, 0); err != nil {
			return err
		}
		for _, s := range b.Servers {
			if err := cl.CreateServer(parentBackend, b.Name, serverToModel(nil, s), tx, 0); err != nil {
				return err
			}
		}
		// nil (not managed) writes nothing: a new section has no rules.
		if err := httpRequestList.write(cl, parentBackend, b.Name, &requests, tx); err != nil {
			return err
		}
		if err := httpResponseList.write(cl, parentBackend, b.Name, &responses, tx); err != nil {
			return err
		}
		if err := optional.write(cl, parentBackend, b.Name, tx); err != nil {
			return err
		}
		return writeExtraLines(cl, tx, parser.Backends, b.Name, b.ExtraLines)
	}
	// A new backend always reloads; live then sets the drains the file
	// cannot say.
	err = m.submitChange(&change{apply: create, live: m.liveServers(b), done: make(chan error, 1)})
	if err != nil {
		return api.Backend{}, apiError(lbl, err)
	}
	return m.GetBackend(ctx, b.Name)
}

// UpdateBackend sets the managed attributes and makes the server list
// exactly b.Servers, in that order; other attributes of the backend and of
// surviving servers are kept. When the only differences are weights and
// admin states of existing servers, it goes live without a reload
// (serverstate.go).
func (m *Manager) UpdateBackend(ctx context.Context, b api.Backend) (api.Backend, error) {
	if err := checkBackend(b); err != nil {
		return api.Backend{}, err
	}
	requests, err := backendRequestRules(b)
	if err != nil {
		return api.Backend{}, err
	}
	responses, err := backendResponseRules(b)
	if err != nil {
		return api.Backend{}, err
	}
	optional, err := parseSectionRules(grammar.SectionBackend, b.TCPRequest, b.TCPResponse, b.HTTPAfterResponse)
	if err != nil {
		return api.Backend{}, api.Errorf(api.CodeInvalid, "%s: %v", label("backend", b.Name), err)
	}
	lbl := label("backend", b.Name)
	update := func(mask bool) applyFunc {
		return func(cl configuration.Configuration, tx string) error {
			if err := updateBackend(cl, tx, b, requests, mask); err != nil {
				return err
			}
			if err := updateResponseRules(cl, tx, b, responses); err != nil {
				return err
			}
			// Like http-response rules, HAProxy cannot change these at
			// runtime: written in the masked transaction too, a change
			// reloads.
			if err := optional.write(cl, parentBackend, b.Name, tx); err != nil {
				return err
			}
			// Written in the masked transaction too: HAProxy cannot
			// take an extra line at runtime, so a change reloads.
			return writeExtraLines(cl, tx, parser.Backends, b.Name, b.ExtraLines)
		}
	}
	err = m.submitChange(&change{apply: update(false), masked: update(true), live: m.liveServers(b), done: make(chan error, 1)})
	if err != nil {
		return api.Backend{}, apiError(lbl, err)
	}
	return m.GetBackend(ctx, b.Name)
}

// updateBackend is UpdateBackend's change. mask leaves in the file what
// the runtime API can change (see serverstate.go) as the file has it: the
// weight and state keywords of existing servers, their address and port
// where api.LiveAddress allows, and, when api.ServerListBlockers finds
// nothing (and no default-server line would make a server added at runtime
// differ from the file's), the server list itself. The transaction then
// shows whether the update differs in anything a reload is needed for.
func updateBackend(cl configuration.Configuration, tx string, b api.Backend, requests []*models.HTTPRequestRule, mask bool) error {
	_, cur, err := cl.GetBackend(b.Name, tx)
	if err != nil {
		return err
	}
	_, existing, err := cl.GetServers(parentBackend, b.Name, tx)
	if err != nil {
		return err
	}
	keepList := mask && len(api.ServerListBlockers(backendFromModels(cur, existing), b)) == 0 &&
		(!addsServers(existing, b.Servers) || !hasDefaultServer(cl, tx, cur))
	applyBackend(cur, b)
	if err := ensurePeers(cl, tx, b.StickTable); err != nil {
		return err
	}
	if err := cl.EditBackend(b.Name, cur, tx, 0); err != nil {
		return err
	}
	// Servers are rewritten in the requested order (order matters to
	// HAProxy, e.g. for balance first), each on top of its previous
	// self so unmanaged parameters survive. An unchanged list renders
	// to the same text, and then nothing is reloaded.
	for _, s := range existing {
		if err := cl.DeleteServer(s.Name, parentBackend, b.Name, tx, 0); err != nil {
			return err
		}
	}
	for _, s := range maskedServers(b.Servers, existing, mask, keepList) {
		if err := cl.CreateServer(parentBackend, b.Name, s, tx, 0); err != nil {
			return err
		}
	}
	if b.HTTPRequest == nil {
		return nil // rules not managed: left as they are
	}
	return httpRequestList.write(cl, parentBackend, b.Name, &requests, tx)
}

// maskedServers are the server lines updateBackend writes for want over
// the file's existing ones. Unmasked: want, in its order. Masked, each
// surviving server keeps the file's runtime-settable keywords; with keepList
// the lines are the file's own list (removed servers stay, added ones are
// left out), which is want's order too since survivors keep theirs.
func maskedServers(want []api.Server, existing models.Servers, mask, keepList bool) []*models.Server {
	old := map[string]*models.Server{}
	for _, s := range existing {
		old[s.Name] = s
	}
	line := func(s api.Server) *models.Server {
		model := serverToModel(old[s.Name], s)
		if prev := old[s.Name]; mask && prev != nil {
			keepFileState(model, prev)
			if api.LiveAddress(serverFromModel(prev), s) {
				model.Address, model.Port = prev.Address, copyInt(prev.Port)
			}
		}
		return model
	}
	var out []*models.Server
	if !keepList {
		for _, s := range want {
			out = append(out, line(s))
		}
		return out
	}
	byName := map[string]api.Server{}
	for _, s := range want {
		byName[s.Name] = s
	}
	for _, prev := range existing {
		if s, ok := byName[prev.Name]; ok {
			out = append(out, line(s))
		} else {
			out = append(out, prev)
		}
	}
	return out
}

func addsServers(existing models.Servers, want []api.Server) bool {
	for _, s := range want {
		if !slices.ContainsFunc(existing, func(e *models.Server) bool { return e.Name == s.Name }) {
			return true
		}
	}
	return false
}

// hasDefaultServer reports whether a default-server line applies to the
// backend: its own or a defaults section's. `add server` ignores
// default-server, so a server added at runtime would not be the one the
// file describes: such a backend adds servers by a reload.
func hasDefaultServer(cl configuration.Configuration, tx string, b *models.Backend) bool {
	if b.DefaultServer != nil {
		return true
	}
	_, defs, err := cl.GetDefaultsSections(tx)
	if err != nil {
		return true // unknown: the reload is always right
	}
	for _, d := range defs {
		if d.DefaultServer != nil {
			return true
		}
	}
	return false
}

// DeleteBackend removes a backend and its servers.
func (m *Manager) DeleteBackend(name string) error {
	if err := checkBackendName(name); err != nil {
		return err
	}
	err := m.submit(func(cl configuration.Configuration, tx string) error {
		return cl.DeleteBackend(name, tx, 0)
	})
	return apiError(label("backend", name), err)
}

func readBackend(cl configuration.Configuration, name, tx string) (api.Backend, error) {
	_, b, err := cl.GetBackend(name, tx)
	if err != nil {
		return api.Backend{}, err
	}
	_, servers, err := cl.GetServers(parentBackend, name, tx)
	if err != nil {
		return api.Backend{}, err
	}
	out := backendFromModels(b, servers)
	if out.Mode == "" {
		out.InheritedMode = inheritedMode(cl, parser.Backends, name, tx)
	}
	requests, err := httpRequestList.readLines(cl, parentBackend, name, tx)
	if err != nil {
		return api.Backend{}, err
	}
	out.HTTPRequest = &requests
	responses, err := httpResponseList.readLines(cl, parentBackend, name, tx)
	if err != nil {
		return api.Backend{}, err
	}
	out.HTTPResponse = &responses
	if out.TCPRequest, err = tcpRequestList.read(cl, parentBackend, name, tx); err != nil {
		return api.Backend{}, err
	}
	if out.TCPResponse, err = tcpResponseList.read(cl, parentBackend, name, tx); err != nil {
		return api.Backend{}, err
	}
	if out.HTTPAfterResponse, err = httpAfterResponseList.read(cl, parentBackend, name, tx); err != nil {
		return api.Backend{}, err
	}
	out.ExtraLines, err = readExtraLines(cl, tx, parser.Backends, name)
	if err != nil {
		return api.Backend{}, err
	}
	return out, nil
}

// updateResponseRules makes the backend's http-response rules exactly
// b.HTTPResponse when it is managed. HAProxy cannot change them at runtime,
// so the masked transaction differs too and the change reloads.
func updateResponseRules(cl configuration.Configuration, tx string, b api.Backend, rules []*models.HTTPResponseRule) error {
	if b.HTTPResponse == nil {
		return nil // not managed: left as they are
	}
	return httpResponseList.write(cl, parentBackend, b.Name, &rules, tx)
}

// backendResponseRules parses the http-response rules before anything is
// queued, as backendRequestRules does the http-request ones.
func backendResponseRules(b api.Backend) ([]*models.HTTPResponseRule, error) {
	if b.HTTPResponse == nil {
		return nil, nil
	}
	rules, err := httpResponseList.list(grammar.SectionBackend, *b.HTTPResponse)
	if err != nil {
		return nil, api.Errorf(api.CodeInvalid, "%s: %v", label("backend", b.Name), err)
	}
	return rules, nil
}

// backendRequestRules checks the attributes checkBackend does not know
// about and parses the http-request rules (with the frontend's parser)
// before anything is queued, so a bad line never reaches a batch.
func backendRequestRules(b api.Backend) ([]*models.HTTPRequestRule, error) {
	lbl := label("backend", b.Name)
	if err := checkResilience(b); err != nil {
		return nil, err
	}
	if err := checkExtraLines(grammar.SectionBackend, b.Name, b.ExtraLines); err != nil {
		return nil, err
	}
	if c := b.HTTPCheck; c != nil {
		// Empty is a word the line does not say (`option httpchk` alone,
		// or with only a URI): HAProxy's own OPTIONS and /. A method needs
		// a URI after it, or HAProxy would take the method for the URI.
		if c.Method != "" && !slices.Contains(api.HTTPCheckMethods, c.Method) {
			return nil, api.Errorf(api.CodeInvalid, "%s: http_check method %q must be one of %v", lbl, c.Method, api.HTTPCheckMethods)
		}
		if c.Method != "" && c.URI == "" {
			return nil, api.Errorf(api.CodeInvalid, "%s: http_check method %q needs a uri", lbl, c.Method)
		}
		if c.URI != "" && (!strings.HasPrefix(c.URI, "/") || !oneToken(c.URI)) {
			return nil, api.Errorf(api.CodeInvalid, "%s: http_check uri %q must start with '/' and contain no spaces", lbl, c.URI)
		}
	}
	for _, s := range b.Servers {
		if s.Inter != nil && *s.Inter < 1 {
			return nil, api.Errorf(api.CodeInvalid, "%s: server %q: inter must be at least 1 ms", lbl, s.Name)
		}
		if s.Maxconn != nil && *s.Maxconn < 1 {
			return nil, api.Errorf(api.CodeInvalid, "%s: server %q: maxconn must be at least 1", lbl, s.Name)
		}
	}
	if b.HTTPRequest == nil {
		return nil, nil
	}
	out, err := httpRequestList.list(grammar.SectionBackend, *b.HTTPRequest)
	if err != nil {
		return nil, api.Errorf(api.CodeInvalid, "%s: %v", lbl, err)
	}
	return out, nil
}

// defaultsFor picks the `from` of a new proxy so that it follows the
// file's own style, because HAProxy 2.6 refuses (fatal ALERT, not a warning)
// a defaults section that is "explicitly referenced by another proxy and
// implicitly used here":
//   - no proxy names a defaults section: none (the new one inherits the
//     last defaults section implicitly, like every other proxy);
//   - some do: the one most of them name.
//
// It must look at the transaction's parser, which, unlike client-native's
// master parser, does not add `from` to proxies that have none (client-native
// creates transaction parsers with NoNamedDefaultsFrom), so there an empty
// From means "implicit in the file".
//
// It asks the parser for each proxy's `from` alone: building every
// backend's model (GetBackends) for that took most of a batch's time on a
// configuration of hundreds of backends, once per created proxy.
// inheritedMode is the mode of the defaults section a proxy uses, named by
// its `from` or, without one, the defaults section before it in the file
// (the parser records both); "" when there is none or it says no mode.
func inheritedMode(cl configuration.Configuration, kind parser.Section, name, tx string) string {
	p, err := cl.GetParser(tx)
	if err != nil {
		return ""
	}
	from, err := p.SectionsDefaultsFromGet(kind, name)
	if err != nil {
		return ""
	}
	if from == "" {
		// The parser loses a section's implicit defaults once it has
		// rewritten the file; the rewrite puts every defaults section
		// first, in order, so the last one is what HAProxy uses.
		_, all, err := cl.GetDefaultsSections(tx)
		if err != nil || len(all) == 0 {
			return ""
		}
		return all[len(all)-1].Mode
	}
	_, d, err := cl.GetDefaultsSection(from, tx)
	if err != nil || d == nil {
		return ""
	}
	return d.Mode
}

func defaultsFor(cl configuration.Configuration, tx string) string {
	count := map[string]int{}
	if p, err := cl.GetParser(tx); err == nil {
		for _, kind := range []parser.Section{parser.Backends, parser.Frontends} {
			names, _ := p.SectionsGet(kind)
			for _, name := range names {
				if from, err := p.SectionsDefaultsFromGet(kind, name); err == nil {
					count[from]++
				}
			}
		}
	}
	delete(count, "")
	best := ""
	for name, n := range count {
		if n > count[best] || (n == count[best] && name > best) {
			best = name
		}
	}
	return best
}
