package haproxy

import (
	"slices"

	"github.com/haproxytech/client-native/v5/configuration"
	"github.com/haproxytech/client-native/v5/models"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// parentBackend is client-native's parent type for servers of a backend.
const parentBackend = "backend"

// GetBackend reads a backend as it is in the file on disk now.
func (m *Manager) GetBackend(name string) (api.Backend, error) {
	if err := checkBackendName(name); err != nil {
		return api.Backend{}, err
	}
	var out api.Backend
	err := m.cfg.read(func(cl configuration.Configuration) error {
		var err error
		out, err = readBackend(cl, name, "")
		return err
	})
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
func (m *Manager) CreateBackend(b api.Backend) (api.Backend, error) {
	if err := checkBackend(b); err != nil {
		return api.Backend{}, err
	}
	lbl := label("backend", b.Name)
	err := m.submit(func(cl configuration.Configuration, tx string) error {
		model := &models.Backend{Name: b.Name}
		applyBackend(model, b)
		model.From = defaultsFor(cl, tx)
		if err := cl.CreateBackend(model, tx, 0); err != nil {
			return err
		}
		for _, s := range b.Servers {
			if err := cl.CreateServer(parentBackend, b.Name, serverToModel(nil, s), tx, 0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return api.Backend{}, apiError(lbl, err)
	}
	return m.GetBackend(b.Name)
}

// UpdateBackend sets the managed attributes and makes the server list
// exactly b.Servers, in that order; other attributes of the backend and of
// surviving servers are kept.
func (m *Manager) UpdateBackend(b api.Backend) (api.Backend, error) {
	if err := checkBackend(b); err != nil {
		return api.Backend{}, err
	}
	lbl := label("backend", b.Name)
	err := m.submit(func(cl configuration.Configuration, tx string) error {
		_, cur, err := cl.GetBackend(b.Name, tx)
		if err != nil {
			return err
		}
		applyBackend(cur, b)
		if err := cl.EditBackend(b.Name, cur, tx, 0); err != nil {
			return err
		}
		_, existing, err := cl.GetServers(parentBackend, b.Name, tx)
		if err != nil {
			return err
		}
		// Servers are rewritten in the requested order (order matters to
		// HAProxy, e.g. for balance first), each on top of its previous
		// self so unmanaged parameters survive. An unchanged list renders
		// to the same text, and then nothing is reloaded.
		old := map[string]*models.Server{}
		for _, s := range existing {
			old[s.Name] = s
			if err := cl.DeleteServer(s.Name, parentBackend, b.Name, tx, 0); err != nil {
				return err
			}
		}
		for _, s := range b.Servers {
			if err := cl.CreateServer(parentBackend, b.Name, serverToModel(old[s.Name], s), tx, 0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return api.Backend{}, apiError(lbl, err)
	}
	return m.GetBackend(b.Name)
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
	return backendFromModels(b, servers), nil
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
func defaultsFor(cl configuration.Configuration, tx string) string {
	count := map[string]int{}
	if _, bs, err := cl.GetBackends(tx); err == nil {
		for _, b := range bs {
			count[b.From]++
		}
	}
	if _, fs, err := cl.GetFrontends(tx); err == nil {
		for _, f := range fs {
			count[f.From]++
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
