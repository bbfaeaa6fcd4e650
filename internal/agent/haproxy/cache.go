package haproxy

import (
	"strconv"
	"strings"

	"github.com/haproxytech/client-native/v5/configuration"
	"github.com/haproxytech/client-native/v5/models"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

// GetCache reads a cache section as it is in the file on disk now.
func (m *Manager) GetCache(name string) (api.Cache, error) {
	lbl := label("cache", name)
	if err := grammar.ProxyName(name); err != nil {
		return api.Cache{}, api.Errorf(api.CodeInvalid, "%s: cache name: %v", lbl, err)
	}
	var out api.Cache
	err := m.cfg.read(func(cl configuration.Configuration) error {
		_, c, err := cl.GetCache(name, "")
		if err != nil {
			return err
		}
		out = cacheFromModel(c)
		return nil
	})
	return out, apiError(lbl, err)
}

// CreateCache adds a cache section.
func (m *Manager) CreateCache(c api.Cache) (api.Cache, error) {
	if err := checkCache(c); err != nil {
		return api.Cache{}, err
	}
	err := m.submit(func(cl configuration.Configuration, tx string) error {
		return cl.CreateCache(cacheModel(c), tx, 0)
	})
	if err != nil {
		return api.Cache{}, apiError(label("cache", c.Name), err)
	}
	return m.GetCache(c.Name)
}

// UpdateCache sets the managed keywords; process-vary and
// max-secondary-entries (the extra lines) are kept when not managed.
func (m *Manager) UpdateCache(c api.Cache) (api.Cache, error) {
	if err := checkCache(c); err != nil {
		return api.Cache{}, err
	}
	err := m.submit(func(cl configuration.Configuration, tx string) error {
		_, cur, err := cl.GetCache(c.Name, tx)
		if err != nil {
			return err
		}
		want := cacheModel(c)
		cur.TotalMaxSize, cur.MaxObjectSize, cur.MaxAge = want.TotalMaxSize, want.MaxObjectSize, want.MaxAge
		if c.ExtraLines != nil {
			cur.ProcessVary, cur.MaxSecondaryEntries = want.ProcessVary, want.MaxSecondaryEntries
		}
		return cl.EditCache(c.Name, cur, tx, 0)
	})
	if err != nil {
		return api.Cache{}, apiError(label("cache", c.Name), err)
	}
	return m.GetCache(c.Name)
}

// DeleteCache removes a cache section. It refuses while a rule uses the
// cache: `haproxy -c` would refuse too, but with a message about the rule's
// proxy rather than about what the user asked to delete.
func (m *Manager) DeleteCache(name string) error {
	lbl := label("cache", name)
	if err := grammar.ProxyName(name); err != nil {
		return api.Errorf(api.CodeInvalid, "%s: cache name: %v", lbl, err)
	}
	return apiError(lbl, m.submit(func(cl configuration.Configuration, tx string) error {
		if _, _, err := cl.GetCache(name, tx); err != nil {
			return err
		}
		users, err := cacheUsers(cl, name, tx)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return api.Errorf(api.CodeRejected, "%s is still used by %s; HAProxy could not load its configuration "+
				"without it. Remove those rules first", lbl, strings.Join(users, ", "))
		}
		return cl.DeleteCache(name, tx, 0)
	}))
}

// cacheUsers names the rules (`frontend "web" http-request 2`) that use
// the cache, in frontends and backends.
func cacheUsers(cl configuration.Configuration, name, tx string) ([]string, error) {
	var out []string
	_, frontends, err := cl.GetFrontends(tx)
	if err != nil {
		return nil, err
	}
	_, backends, err := cl.GetBackends(tx)
	if err != nil {
		return nil, err
	}
	type proxy struct{ parent, name string }
	var proxies []proxy
	for _, f := range frontends {
		proxies = append(proxies, proxy{parentFrontend, f.Name})
	}
	for _, b := range backends {
		proxies = append(proxies, proxy{parentBackend, b.Name})
	}
	for _, p := range proxies {
		_, reqs, err := cl.GetHTTPRequestRules(p.parent, p.name, tx)
		if err != nil {
			return nil, err
		}
		for _, r := range reqs {
			if r.Type == "cache-use" && r.CacheName == name {
				out = append(out, label(p.parent, p.name)+" http-request "+strconv.FormatInt(*r.Index, 10))
			}
		}
		_, resps, err := cl.GetHTTPResponseRules(p.parent, p.name, tx)
		if err != nil {
			return nil, err
		}
		for _, r := range resps {
			if r.Type == "cache-store" && r.CacheName == name {
				out = append(out, label(p.parent, p.name)+" http-response "+strconv.FormatInt(*r.Index, 10))
			}
		}
	}
	return out, nil
}

func checkCache(c api.Cache) error {
	lbl := label("cache", c.Name)
	if err := grammar.ProxyName(c.Name); err != nil {
		return api.Errorf(api.CodeInvalid, "%s: cache name: %v", lbl, err)
	}
	if c.TotalMaxSize < 1 || c.TotalMaxSize > api.CacheMaxTotalSize {
		return api.Errorf(api.CodeInvalid, "%s: total_max_size %d must be from 1 to %d (megabytes)", lbl, c.TotalMaxSize, api.CacheMaxTotalSize)
	}
	if c.MaxObjectSize != nil && (*c.MaxObjectSize < 1 || *c.MaxObjectSize > c.TotalMaxSize<<20/2) {
		// HAProxy refuses an object larger than half the cache.
		return api.Errorf(api.CodeInvalid, "%s: max_object_size %d must be from 1 to half of total_max_size (%d bytes)",
			lbl, *c.MaxObjectSize, c.TotalMaxSize<<20/2)
	}
	if c.MaxAge != nil && *c.MaxAge < 1 {
		return api.Errorf(api.CodeInvalid, "%s: max_age must be at least 1 second", lbl)
	}
	if c.ExtraLines != nil {
		if err := grammar.ExtraLines(grammar.SectionCache, *c.ExtraLines); err != nil {
			return api.Errorf(api.CodeInvalid, "%s: %v", lbl, err)
		}
	}
	return nil
}

func cacheModel(c api.Cache) *models.Cache {
	name := c.Name
	m := &models.Cache{Name: &name, TotalMaxSize: c.TotalMaxSize}
	if c.MaxObjectSize != nil {
		m.MaxObjectSize = *c.MaxObjectSize
	}
	if c.MaxAge != nil {
		m.MaxAge = *c.MaxAge
	}
	// A cache's extra lines are typed keywords of client-native's cache
	// parser, not a raw block (it keeps none in a cache): checkCache has
	// made each one "process-vary on|off" or "max-secondary-entries <n>".
	for _, l := range derefLines(c.ExtraLines) {
		k, v, _ := strings.Cut(l, " ")
		switch k {
		case "process-vary":
			on := v == "on"
			m.ProcessVary = &on
		case "max-secondary-entries":
			m.MaxSecondaryEntries, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	return m
}

func derefLines(lines *[]string) []string {
	if lines == nil {
		return nil
	}
	return *lines
}

func cacheFromModel(c *models.Cache) api.Cache {
	out := api.Cache{TotalMaxSize: c.TotalMaxSize, MaxObjectSize: positive(c.MaxObjectSize), MaxAge: positive(c.MaxAge)}
	if c.Name != nil {
		out.Name = *c.Name
	}
	// In the order the parser writes them, which is the file's after a
	// write; the provider keeps the user's order when the lines are the same.
	var lines []string
	if c.MaxSecondaryEntries > 0 {
		lines = append(lines, "max-secondary-entries "+strconv.FormatInt(c.MaxSecondaryEntries, 10))
	}
	if c.ProcessVary != nil {
		lines = append(lines, "process-vary "+map[bool]string{true: "on", false: "off"}[*c.ProcessVary])
	}
	if len(lines) > 0 {
		out.ExtraLines = &lines
	}
	return out
}
