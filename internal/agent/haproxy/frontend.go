package haproxy

import (
	"fmt"
	"slices"
	"strings"

	parser "github.com/haproxytech/client-native/v5/config-parser"
	"github.com/haproxytech/client-native/v5/configuration"
	"github.com/haproxytech/client-native/v5/models"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

// parentFrontend is client-native's parent type for children of a frontend.
const parentFrontend = "frontend"

// GetFrontend reads a frontend as it is in the file on disk now.
func (m *Manager) GetFrontend(name string) (api.Frontend, error) {
	lbl := label("frontend", name)
	if err := grammar.ProxyName(name); err != nil {
		return api.Frontend{}, api.Errorf(api.CodeInvalid, "%s: frontend name: %v", lbl, err)
	}
	var out api.Frontend
	err := m.cfg.read(func(cl configuration.Configuration) error {
		var err error
		out, err = readFrontend(cl, name, "")
		return err
	})
	return out, apiError(lbl, err)
}

// CreateFrontend adds a frontend with its binds and rules.
func (m *Manager) CreateFrontend(f api.Frontend) (api.Frontend, error) {
	lbl := label("frontend", f.Name)
	children, err := frontendChildren(f)
	if err != nil {
		return api.Frontend{}, err
	}
	err = m.submit(func(cl configuration.Configuration, tx string) error {
		model := &models.Frontend{Name: f.Name}
		applyFrontend(model, f)
		model.From = defaultsFor(cl, tx)
		if err := ensurePeers(cl, tx, f.StickTable); err != nil {
			return err
		}
		if err := cl.CreateFrontend(model, tx, 0); err != nil {
			return err
		}
		if err := children.create(cl, f.Name, tx); err != nil {
			return err
		}
		if err := writeExtraLines(cl, tx, parser.Frontends, f.Name, f.ExtraLines); err != nil {
			return err
		}
		return checkBindConflicts(cl, f.Name, f.SharedBinds, tx)
	})
	if err != nil {
		return api.Frontend{}, apiError(lbl, err)
	}
	return m.GetFrontend(f.Name)
}

// UpdateFrontend sets the managed attributes and makes the binds and rule
// lists exactly those of f; unmanaged keywords of the section (timeouts,
// tcp-request rules unless f manages them, captures, …) are kept.
func (m *Manager) UpdateFrontend(f api.Frontend) (api.Frontend, error) {
	lbl := label("frontend", f.Name)
	children, err := frontendChildren(f)
	if err != nil {
		return api.Frontend{}, err
	}
	err = m.submit(func(cl configuration.Configuration, tx string) error {
		_, cur, err := cl.GetFrontend(f.Name, tx)
		if err != nil {
			return err
		}
		applyFrontend(cur, f)
		if err := ensurePeers(cl, tx, f.StickTable); err != nil {
			return err
		}
		if err := cl.EditFrontend(f.Name, cur, tx, 0); err != nil {
			return err
		}
		unnamed := unnamedBinds(cl, f.Name, tx)
		if err := clearFrontendChildren(cl, f.Name, tx); err != nil {
			return err
		}
		// Recreating an unchanged list renders the same text, and then
		// the pipeline sees no change and does not reload.
		if err := children.create(cl, f.Name, tx); err != nil {
			return err
		}
		if err := dropGeneratedBindNames(cl, f.Name, tx, unnamed); err != nil {
			return err
		}
		if err := writeExtraLines(cl, tx, parser.Frontends, f.Name, f.ExtraLines); err != nil {
			return err
		}
		return checkBindConflicts(cl, f.Name, f.SharedBinds, tx)
	})
	if err != nil {
		return api.Frontend{}, apiError(lbl, err)
	}
	return m.GetFrontend(f.Name)
}

// DeleteFrontend removes a frontend with everything in it.
func (m *Manager) DeleteFrontend(name string) error {
	lbl := label("frontend", name)
	if err := grammar.ProxyName(name); err != nil {
		return api.Errorf(api.CodeInvalid, "%s: frontend name: %v", lbl, err)
	}
	return apiError(lbl, m.submit(func(cl configuration.Configuration, tx string) error {
		return cl.DeleteFrontend(name, tx, 0)
	}))
}

// frontendParts are a frontend's child objects as client-native models,
// parsed before anything is queued so a bad line never reaches a batch.
type frontendParts struct {
	binds     []*models.Bind
	acls      []*models.ACL
	requests  []*models.HTTPRequestRule
	responses []*models.HTTPResponseRule
	switches  []*models.BackendSwitchingRule
	optional  sectionRules // tcp-request, http-after-response
}

func frontendChildren(f api.Frontend) (frontendParts, error) {
	var p frontendParts
	lbl := label("frontend", f.Name)
	invalid := func(err error) error { return api.Errorf(api.CodeInvalid, "%s: %v", lbl, err) }
	if err := checkFrontend(f); err != nil {
		return p, err
	}
	if err := checkExtraLines(grammar.SectionFrontend, f.Name, f.ExtraLines); err != nil {
		return p, err
	}
	for _, b := range f.Binds {
		p.binds = append(p.binds, bindModel(b))
	}
	for i, line := range f.ACLs {
		a, err := aclModel(line, int64(i))
		if err != nil {
			return p, invalid(err)
		}
		p.acls = append(p.acls, a)
	}
	var err error
	if p.requests, err = httpRequestList.list(grammar.SectionFrontend, f.HTTPRequest); err != nil {
		return p, invalid(err)
	}
	if p.responses, err = httpResponseList.list(grammar.SectionFrontend, f.HTTPResponse); err != nil {
		return p, invalid(err)
	}
	if p.optional, err = parseSectionRules(grammar.SectionFrontend, f.TCPRequest, nil, f.HTTPAfterResponse); err != nil {
		return p, invalid(err)
	}
	for i, u := range f.UseBackends {
		idx := int64(i)
		p.switches = append(p.switches, &models.BackendSwitchingRule{Name: u.Backend, Cond: u.Cond, CondTest: u.CondTest, Index: &idx})
	}
	return p, nil
}

func (p frontendParts) create(cl configuration.Configuration, name, tx string) error {
	for _, b := range p.binds {
		if err := cl.CreateBind(parentFrontend, name, b, tx, 0); err != nil {
			return err
		}
	}
	for _, a := range p.acls {
		if err := cl.CreateACL(parentFrontend, name, a, tx, 0); err != nil {
			return err
		}
	}
	if err := httpRequestList.write(cl, parentFrontend, name, &p.requests, tx); err != nil {
		return err
	}
	if err := httpResponseList.write(cl, parentFrontend, name, &p.responses, tx); err != nil {
		return err
	}
	for _, s := range p.switches {
		if err := cl.CreateBackendSwitchingRule(name, s, tx, 0); err != nil {
			return err
		}
	}
	return p.optional.write(cl, parentFrontend, name, tx)
}

// clearFrontendChildren deletes the binds and the managed rule lists.
// Rules are deleted from the front, since indexes shift after each delete.
func clearFrontendChildren(cl configuration.Configuration, name, tx string) error {
	_, binds, err := cl.GetBinds(parentFrontend, name, tx)
	if err != nil {
		return err
	}
	for _, b := range binds {
		if err := cl.DeleteBind(b.Name, parentFrontend, name, tx, 0); err != nil {
			return err
		}
	}
	_, acls, err := cl.GetACLs(parentFrontend, name, tx)
	if err != nil {
		return err
	}
	for range acls {
		if err := cl.DeleteACL(0, parentFrontend, name, tx, 0); err != nil {
			return err
		}
	}
	// The rule lists are cleared by frontendParts.create, each by its
	// ruleList.
	_, sws, err := cl.GetBackendSwitchingRules(name, tx)
	if err != nil {
		return err
	}
	for range sws {
		if err := cl.DeleteBackendSwitchingRule(0, name, tx, 0); err != nil {
			return err
		}
	}
	return nil
}

func readFrontend(cl configuration.Configuration, name, tx string) (api.Frontend, error) {
	_, f, err := cl.GetFrontend(name, tx)
	if err != nil {
		return api.Frontend{}, err
	}
	out := api.Frontend{
		Name:           f.Name,
		Mode:           f.Mode,
		Maxconn:        copyInt(f.Maxconn),
		Httplog:        f.Httplog,
		Forwardfor:     f.Forwardfor != nil && f.Forwardfor.Enabled != nil && *f.Forwardfor.Enabled == enabled,
		DefaultBackend: f.DefaultBackend,
		StickTable:     stickTableFromModel(f.StickTable),
		Binds:          []api.Bind{},
		ACLs:           []string{},
		HTTPRequest:    []string{},
		HTTPResponse:   []string{},
		UseBackends:    []api.UseBackend{},
	}
	if out.Mode == "" {
		out.InheritedMode = inheritedMode(cl, parser.Frontends, name, tx)
	}
	_, binds, err := cl.GetBinds(parentFrontend, name, tx)
	if err != nil {
		return api.Frontend{}, err
	}
	for _, b := range binds {
		out.Binds = append(out.Binds, api.Bind{Address: b.Address, Port: copyInt(b.Port), Namespace: b.Namespace,
			SSLCertificate: b.SslCertificate, ALPN: b.Alpn, SSLMinVer: b.SslMinVer})
	}
	_, acls, err := cl.GetACLs(parentFrontend, name, tx)
	if err != nil {
		return api.Frontend{}, err
	}
	for _, a := range acls {
		out.ACLs = append(out.ACLs, aclLine(*a))
	}
	if out.HTTPRequest, err = httpRequestList.readLines(cl, parentFrontend, name, tx); err != nil {
		return api.Frontend{}, err
	}
	if out.HTTPResponse, err = httpResponseList.readLines(cl, parentFrontend, name, tx); err != nil {
		return api.Frontend{}, err
	}
	_, sws, err := cl.GetBackendSwitchingRules(name, tx)
	if err != nil {
		return api.Frontend{}, err
	}
	for _, s := range sws {
		out.UseBackends = append(out.UseBackends, api.UseBackend{Backend: s.Name, Cond: s.Cond, CondTest: s.CondTest})
	}
	if out.TCPRequest, err = tcpRequestList.read(cl, parentFrontend, name, tx); err != nil {
		return api.Frontend{}, err
	}
	if out.HTTPAfterResponse, err = httpAfterResponseList.read(cl, parentFrontend, name, tx); err != nil {
		return api.Frontend{}, err
	}
	out.ExtraLines, err = readExtraLines(cl, tx, parser.Frontends, name)
	if err != nil {
		return api.Frontend{}, err
	}
	return out, nil
}

// applyFrontend writes the managed attributes into dst and leaves every
// other keyword of the section alone.
func applyFrontend(dst *models.Frontend, src api.Frontend) {
	dst.Mode = src.Mode
	dst.Maxconn = copyInt(src.Maxconn)
	dst.DefaultBackend = src.DefaultBackend
	dst.Httplog = src.Httplog
	dst.StickTable = stickTableModel(src.StickTable)
	switch {
	case !src.Forwardfor:
		dst.Forwardfor = nil
	case dst.Forwardfor != nil && dst.Forwardfor.Enabled != nil && *dst.Forwardfor.Enabled == enabled:
		// Keep its `except`/`header` arguments.
	default:
		on := enabled
		dst.Forwardfor = &models.Forwardfor{Enabled: &on}
	}
}

func bindModel(b api.Bind) *models.Bind {
	m := &models.Bind{Address: b.Address, Port: copyInt(b.Port)}
	m.Namespace = b.Namespace
	if b.SSLCertificate != "" {
		m.Ssl = true
		m.SslCertificate = b.SSLCertificate
		m.Alpn = b.ALPN
		m.SslMinVer = b.SSLMinVer
	}
	return m
}

// checkFrontend rejects values that could not be written as clean tokens:
// a newline or a comment sign in a value would inject configuration.
func checkFrontend(f api.Frontend) error {
	lbl := label("frontend", f.Name)
	if err := grammar.ProxyName(f.Name); err != nil {
		return api.Errorf(api.CodeInvalid, "%s: frontend name: %v", lbl, err)
	}
	if err := checkStickTable(lbl, f.StickTable); err != nil {
		return err
	}
	words := map[string]string{"mode": f.Mode, "default_backend": f.DefaultBackend}
	for i, b := range f.Binds {
		// No address is `bind :PORT`, as hand-written files say it; it
		// needs the port.
		if b.Address == "" && b.Port == nil {
			return api.Errorf(api.CodeInvalid, "%s: bind %d has neither address nor port", lbl, i)
		}
		words[fmt.Sprintf("bind %d address", i)] = b.Address
		words[fmt.Sprintf("bind %d namespace", i)] = b.Namespace
		words[fmt.Sprintf("bind %d ssl_certificate", i)] = b.SSLCertificate
		if err := checkBindTLS(b); err != nil {
			return api.Errorf(api.CodeInvalid, "%s: bind %d: %v", lbl, i, err)
		}
	}
	for i, u := range f.UseBackends {
		if u.Backend == "" {
			return api.Errorf(api.CodeInvalid, "%s: use_backend %d has no backend", lbl, i)
		}
		words[fmt.Sprintf("use_backend %d backend", i)] = u.Backend
		if u.Cond != "" && u.Cond != "if" && u.Cond != "unless" {
			return api.Errorf(api.CodeInvalid, "%s: use_backend %d: cond must be if or unless", lbl, i)
		}
		if (u.Cond == "") != (u.CondTest == "") {
			return api.Errorf(api.CodeInvalid, "%s: use_backend %d: cond and cond_test go together", lbl, i)
		}
		if strings.ContainsAny(u.CondTest, "\n\r#") {
			return api.Errorf(api.CodeInvalid, "%s: use_backend %d: cond_test must be one line without '#'", lbl, i)
		}
	}
	for field, v := range words {
		if !oneToken(v) {
			return api.Errorf(api.CodeInvalid, "%s: %s %q must be one word", lbl, field, v)
		}
	}
	return nil
}

// Rule lines arrive in HAProxy's own syntax (without their keyword) and are
// turned into client-native models with client-native's own parser, so the
// file is written by the same code that reads it back.

// splitLine splits a rule line the way the config parser splits a line of
// haproxy.cfg. A comment sign would cut the line short and is refused.
func splitLine(keyword, line string) ([]string, error) {
	parts, err := grammar.SplitRule(keyword, line)
	if err != nil {
		return nil, fmt.Errorf("%s rule: %w", keyword, err)
	}
	return parts, nil
}

// aclModel parses one ACL line, `name criterion [value…]`.
func aclModel(line string, index int64) (*models.ACL, error) {
	parts, err := splitLine("acl", line)
	if err != nil {
		return nil, err
	}
	if len(parts) < 3 {
		return nil, fmt.Errorf("acl %q: an ACL is `name criterion [value…]`", line)
	}
	return &models.ACL{ACLName: parts[1], Criterion: parts[2], Value: strings.Join(parts[3:], " "), Index: &index}, nil
}

func aclLine(a models.ACL) string {
	return strings.TrimSpace(strings.Join([]string{a.ACLName, a.Criterion, a.Value}, " "))
}

// checkBindTLS holds the TLS options of a bind to the shared grammar; they
// mean nothing on a bind that does not terminate TLS.
func checkBindTLS(b api.Bind) error {
	if b.SSLCertificate == "" && (b.ALPN != "" || b.SSLMinVer != "") {
		return fmt.Errorf("alpn and ssl_min_ver need ssl_certificate")
	}
	if b.ALPN != "" {
		if err := grammar.ALPN(b.ALPN); err != nil {
			return err
		}
	}
	if b.SSLMinVer != "" && !slices.Contains(grammar.SSLVersions, b.SSLMinVer) {
		return fmt.Errorf("ssl_min_ver %q is not one of %s", b.SSLMinVer, strings.Join(grammar.SSLVersions, ", "))
	}
	return nil
}
