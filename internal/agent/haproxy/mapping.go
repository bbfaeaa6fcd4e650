package haproxy

import (
	"github.com/haproxytech/client-native/v5/models"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// client-native's on/off server parameters.
const enabled = "enabled"

// backendFromModels maps a backend and its servers (in file order) to the
// wire type. Only the attributes Switchyard manages are carried.
func backendFromModels(b *models.Backend, servers models.Servers) api.Backend {
	out := api.Backend{Name: b.Name, Mode: b.Mode, Servers: []api.Server{}, StickTable: stickTableFromModel(b.StickTable)}
	if b.Balance != nil && b.Balance.Algorithm != nil {
		out.Balance = *b.Balance.Algorithm
	}
	for _, s := range servers {
		out.Servers = append(out.Servers, serverFromModel(s))
	}
	if b.AdvCheck == models.BackendAdvCheckHttpchk {
		c := api.HTTPCheck{}
		if b.HttpchkParams != nil {
			c.Method, c.URI = b.HttpchkParams.Method, b.HttpchkParams.URI
		}
		out.HTTPCheck = &c
	}
	resilienceFromModel(&out, b)
	return out
}

func serverFromModel(s *models.Server) api.Server {
	out := api.Server{
		Name:       s.Name,
		Address:    s.Address,
		Port:       copyInt(s.Port),
		Check:      s.Check == enabled,
		Weight:     copyInt(s.Weight),
		Backup:     s.Backup == enabled,
		Namespace:  s.Namespace,
		Inter:      copyInt(s.Inter),
		Maxconn:    copyInt(s.Maxconn),
		AdminState: fileAdminState(s),
	}
	serverResilienceFromModel(&out, s)
	return out
}

// applyBackend writes the attributes we manage into dst and leaves every
// other attribute of the section (timeouts, options, hand additions) alone.
func applyBackend(dst *models.Backend, src api.Backend) {
	dst.Mode = src.Mode
	dst.StickTable = stickTableModel(src.StickTable)
	switch {
	case src.Balance == "":
		dst.Balance = nil
	case dst.Balance != nil && dst.Balance.Algorithm != nil && *dst.Balance.Algorithm == src.Balance:
		// Same algorithm: keep its arguments (hdr name, uri depth, …).
	default:
		alg := src.Balance
		dst.Balance = &models.Balance{Algorithm: &alg}
	}
	// nil: not managed, so a check set by hand (or by `option httpchk`
	// variants we do not model) is left as it is.
	if src.HTTPCheck != nil {
		dst.AdvCheck = models.BackendAdvCheckHttpchk
		dst.HttpchkParams = &models.HttpchkParams{Method: src.HTTPCheck.Method, URI: src.HTTPCheck.URI}
	}
	applyResilience(dst, src)
}

// serverToModel builds a server from src on top of base (the existing
// server of that name, or nil), so parameters we do not manage survive.
func serverToModel(base *models.Server, src api.Server) *models.Server {
	var m models.Server
	if base != nil {
		m = *base
	}
	m.Name = src.Name
	m.Address = src.Address
	m.Port = copyInt(src.Port)
	m.Weight = copyInt(src.Weight)
	m.Namespace = src.Namespace
	m.Check = onOff(src.Check, m.Check)
	m.Backup = onOff(src.Backup, m.Backup)
	// nil: not managed, the existing server's value (if any) stays.
	if src.Inter != nil {
		m.Inter = copyInt(src.Inter)
	}
	if src.Maxconn != nil {
		m.Maxconn = copyInt(src.Maxconn)
	}
	serverResilienceToModel(&m, src)
	serverStateModel(&m, src)
	return &m
}

// onOff maps a managed boolean to client-native's "enabled"; false clears
// the keyword (an explicit "disabled", i.e. no-check, is kept as such).
func onOff(v bool, cur string) string {
	if v {
		return enabled
	}
	if cur == "disabled" {
		return cur
	}
	return ""
}

func copyInt(p *int64) *int64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// fileAdminState is the admin state a server line says ("" for ready, the
// wire's default): `disabled` is maint; drain the file cannot say.
func fileAdminState(s *models.Server) string {
	if s.Maintenance == enabled {
		return api.AdminMaint
	}
	return ""
}
