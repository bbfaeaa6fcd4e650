package haproxy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	parser "github.com/haproxytech/client-native/v5/config-parser"
	"github.com/haproxytech/client-native/v5/configuration"
	"github.com/haproxytech/client-native/v5/models"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

// instanceLabel names the singleton in messages.
const instanceLabel = "HAProxy instance"

// haproxyUser is the account Debian's package creates for the workers.
const haproxyUser = "haproxy"

// parentGlobal is client-native's parent type for global log targets.
const parentGlobal = "global"

// GetInstance reads the global and defaults settings from the file on disk
// and the live state of HAProxy's unit.
func (m *Manager) GetInstance(ctx context.Context) (api.Instance, error) {
	var out api.Instance
	err := m.cfg.read(func(cl configuration.Configuration) error {
		var err error
		out, err = readInstance(cl, "", m.opts.HAProxy.RuntimeSocket)
		return err
	})
	if err != nil {
		return api.Instance{}, apiError(instanceLabel, err)
	}
	enabled, running := m.serviceState(ctx)
	out.Enabled, out.Running = &enabled, &running
	return out, nil
}

// ApplyInstance sets the non-nil fields of in and leaves the rest as they
// are. The configuration goes through the change pipeline; the service
// state is changed afterwards under the machine lock, so a stop never races
// another session's reload.
func (m *Manager) ApplyInstance(ctx context.Context, in api.Instance) (api.Instance, error) {
	if err := checkInstance(in); err != nil {
		return api.Instance{}, err
	}
	socket := m.opts.HAProxy.RuntimeSocket
	err := m.submit(func(cl configuration.Configuration, tx string) error {
		return applyInstance(cl, tx, in, socket)
	})
	if err != nil {
		return api.Instance{}, apiError(instanceLabel, err)
	}
	if err := m.applyService(ctx, in.Enabled, in.Running); err != nil {
		return api.Instance{}, err
	}
	return m.GetInstance(ctx)
}

func (m *Manager) serviceState(ctx context.Context) (enabled, running bool) {
	unit := m.opts.HAProxy.Service
	// Both exit 0 exactly when the answer is yes (is-enabled also for
	// static and runtime-enabled units, which do start at boot).
	_, errEnabled := m.opts.Systemctl.Run(ctx, "is-enabled", "--quiet", unit)
	_, errActive := m.opts.Systemctl.Run(ctx, "is-active", "--quiet", unit)
	return errEnabled == nil, errActive == nil
}

// serviceActive reports whether HAProxy's unit runs: `is-active` exits 0
// exactly then, and any failure to ask means it does not.
func (m *Manager) serviceActive(ctx context.Context) bool {
	_, err := m.opts.Systemctl.Run(ctx, "is-active", "--quiet", m.opts.HAProxy.Service)
	return err == nil
}

func (m *Manager) applyService(ctx context.Context, enabled, running *bool) error {
	if enabled == nil && running == nil {
		return nil
	}
	unlock, err := m.lock.Acquire(ctx)
	if err != nil {
		return apiError(instanceLabel, err)
	}
	defer unlock()
	unit := m.opts.HAProxy.Service
	isEnabled, isRunning := m.serviceState(ctx)
	var steps [][]string
	if enabled != nil && *enabled != isEnabled {
		steps = append(steps, []string{map[bool]string{true: "enable", false: "disable"}[*enabled], unit})
	}
	if running != nil && *running != isRunning {
		steps = append(steps, []string{map[bool]string{true: "start", false: "stop"}[*running], unit})
	}
	for _, args := range steps {
		if _, err := m.opts.Systemctl.Run(ctx, args...); err != nil {
			// err names the command and carries its output.
			return &api.Error{Code: api.CodeInternal, Message: fmt.Sprintf("%s: %v", instanceLabel, err)}
		}
	}
	return nil
}

// checkInstance keeps every value one clean token: they end up in
// haproxy.cfg, and a newline would inject configuration.
func checkInstance(in api.Instance) error {
	if in.Mode != "" && in.Mode != "http" && in.Mode != "tcp" {
		return api.Errorf(api.CodeInvalid, "%s: mode %q must be http or tcp", instanceLabel, in.Mode)
	}
	for field, v := range map[string]*int64{
		"maxconn": in.Maxconn, "nbthread": in.Nbthread,
		"timeout_connect": in.TimeoutConnect, "timeout_client": in.TimeoutClient, "timeout_server": in.TimeoutServer,
	} {
		if v != nil && *v <= 0 {
			return api.Errorf(api.CodeInvalid, "%s: %s must be positive, not %d", instanceLabel, field, *v)
		}
	}
	if in.HardStopAfter != nil && *in.HardStopAfter < 0 {
		return api.Errorf(api.CodeInvalid, "%s: hard_stop_after must be 0 (none) or positive, not %d", instanceLabel, *in.HardStopAfter)
	}
	if in.ServerStateFile != nil && *in.ServerStateFile != "" {
		if f := *in.ServerStateFile; !strings.HasPrefix(f, "/") || !oneToken(f) {
			return api.Errorf(api.CodeInvalid, "%s: server_state_file %q must be an absolute path without blanks, or empty", instanceLabel, f)
		}
	}
	for section, lines := range map[string]*[]string{grammar.SectionGlobal: in.GlobalExtraLines, grammar.SectionDefaults: in.DefaultsExtraLines} {
		if lines == nil {
			continue
		}
		if err := grammar.ExtraLines(section, *lines); err != nil {
			return api.Errorf(api.CodeInvalid, "%s: %v", instanceLabel, err)
		}
	}
	if in.LogTargets != nil {
		for _, l := range *in.LogTargets {
			if l.Address == "" || l.Facility == "" || !oneToken(l.Address) || !oneToken(l.Facility) || !oneToken(l.Level) {
				return api.Errorf(api.CodeInvalid, "%s: log target %q %q %q: address and facility must be single words, level one word or empty",
					instanceLabel, l.Address, l.Facility, l.Level)
			}
		}
	}
	return nil
}

func applyInstance(cl configuration.Configuration, tx string, in api.Instance, socket string) error {
	_, g, err := cl.GetGlobalConfiguration(tx)
	if err != nil {
		return err
	}
	// Pushing the global model rewrites the whole section in
	// client-native's order ("stats timeout 30s" becomes "30000"), which
	// is harmless but would be a change and a reload for nothing; so it is
	// pushed only when a managed value differs.
	before := globalSnapshot(g)
	if in.Maxconn != nil {
		g.Maxconn = *in.Maxconn
	}
	if in.Nbthread != nil {
		g.Nbthread = *in.Nbthread
	}
	if in.RunAsRoot != nil {
		if *in.RunAsRoot {
			g.User, g.Group = "", ""
		} else {
			g.User, g.Group = haproxyUser, haproxyUser
		}
	}
	ensureRuntimeSocket(g, socket)
	if in.HardStopAfter != nil {
		g.HardStopAfter = positive(*in.HardStopAfter)
	}
	if in.ServerStateFile != nil {
		g.ServerStateFile = *in.ServerStateFile
	}
	if globalSnapshot(g) != before {
		if err := cl.PushGlobalConfiguration(g, tx, 0); err != nil {
			return err
		}
	}
	if in.LogTargets != nil {
		if err := replaceGlobalLogs(cl, tx, *in.LogTargets); err != nil {
			return err
		}
	}
	// After the push, which leaves the raw block alone (it is no field of
	// the model).
	if err := writeExtraLines(cl, tx, parser.Global, parser.GlobalSectionName, in.GlobalExtraLines); err != nil {
		return err
	}
	if !wantsDefaultsOf(in) {
		return nil
	}
	name, err := defaultsSection(cl, tx)
	if err != nil {
		return err
	}
	_, d, err := cl.GetDefaultsSection(name, tx)
	if err != nil {
		return err
	}
	applyDefaults(d, in)
	if err := cl.EditDefaultsSection(name, d, tx, 0); err != nil {
		return err
	}
	return writeExtraLines(cl, tx, parser.Defaults, name, in.DefaultsExtraLines)
}

// wantsDefaultsOf reports whether in sets anything of the defaults section.
func wantsDefaultsOf(in api.Instance) bool {
	return in.Mode != "" || in.ServerStateFile != nil || in.TimeoutConnect != nil || in.TimeoutClient != nil || in.TimeoutServer != nil ||
		in.Httplog != nil || in.Forwardfor != nil || in.DefaultsExtraLines != nil
}

func applyDefaults(d *models.Defaults, in api.Instance) {
	if in.Mode != "" {
		d.Mode = in.Mode
	}
	if in.TimeoutConnect != nil {
		d.ConnectTimeout = in.TimeoutConnect
	}
	if in.TimeoutClient != nil {
		d.ClientTimeout = in.TimeoutClient
	}
	if in.TimeoutServer != nil {
		d.ServerTimeout = in.TimeoutServer
	}
	if in.Httplog != nil {
		d.Httplog = *in.Httplog
	}
	if in.ServerStateFile != nil {
		// The file names no backends, so every proxy takes its servers'
		// lines from it: `global` in defaults, as the manual's example
		// does, rather than one line per backend.
		d.LoadServerStateFromFile = ""
		if *in.ServerStateFile != "" {
			d.LoadServerStateFromFile = models.DefaultsLoadServerStateFromFileGlobal
		}
	}
	if in.Forwardfor != nil {
		switch {
		case !*in.Forwardfor:
			d.Forwardfor = nil
		case d.Forwardfor == nil || d.Forwardfor.Enabled == nil:
			on := enabled
			d.Forwardfor = &models.Forwardfor{Enabled: &on}
		}
	}
}

// globalSnapshot is what applyInstance may change in global.
func globalSnapshot(g *models.Global) string {
	socks := make([]string, 0, len(g.RuntimeAPIs))
	for _, r := range g.RuntimeAPIs {
		if r.Address != nil {
			socks = append(socks, *r.Address)
		}
	}
	hardStop := int64(0)
	if g.HardStopAfter != nil {
		hardStop = *g.HardStopAfter
	}
	return fmt.Sprintf("%d %d %q %q %q %d %q", g.Maxconn, g.Nbthread, g.User, g.Group, socks, hardStop, g.ServerStateFile)
}

// ensureRuntimeSocket keeps the admin socket the provider relies on (maps,
// runtime changes) in global, adding it when a person removed it.
func ensureRuntimeSocket(g *models.Global, socket string) {
	if socket == "" {
		return
	}
	for _, r := range g.RuntimeAPIs {
		if r.Address != nil && *r.Address == socket {
			return
		}
	}
	addr := socket
	g.RuntimeAPIs = append(g.RuntimeAPIs, &models.RuntimeAPI{
		Address:    &addr,
		BindParams: models.BindParams{Mode: "660", Level: "admin"},
	})
}

// replaceGlobalLogs makes the global `log` lines exactly want, in order.
func replaceGlobalLogs(cl configuration.Configuration, tx string, want []api.LogTarget) error {
	_, cur, err := cl.GetLogTargets(parentGlobal, "", tx)
	if err != nil {
		return err
	}
	for range cur {
		if err := cl.DeleteLogTarget(0, parentGlobal, "", tx, 0); err != nil {
			return err
		}
	}
	for i, l := range want {
		idx := int64(i)
		lt := &models.LogTarget{Index: &idx, Address: l.Address, Facility: l.Facility, Level: l.Level}
		if err := cl.CreateLogTarget(parentGlobal, "", lt, tx, 0); err != nil {
			return err
		}
	}
	return nil
}

// defaultsSection is the defaults section the proxies use: the one most of
// them name with `from` (defaultsFor), else the last one in the file, which
// is the one HAProxy applies implicitly.
func defaultsSection(cl configuration.Configuration, tx string) (string, error) {
	_, sections, err := cl.GetDefaultsSections(tx)
	if err != nil {
		return "", err
	}
	if len(sections) == 0 {
		return "", api.Errorf(api.CodeInvalid, "%s: the configuration has no defaults section to manage", instanceLabel)
	}
	if name := defaultsFor(cl, tx); name != "" {
		for _, s := range sections {
			if s.Name == name {
				return name, nil
			}
		}
	}
	return sections[len(sections)-1].Name, nil
}

func readInstance(cl configuration.Configuration, tx, socket string) (api.Instance, error) {
	_, g, err := cl.GetGlobalConfiguration(tx)
	if err != nil {
		return api.Instance{}, err
	}
	root := g.User == "" && g.Group == ""
	out := api.Instance{
		Maxconn:   positive(g.Maxconn),
		Nbthread:  positive(g.Nbthread),
		RunAsRoot: &root,
		// A state file only counts once defaults loads it (below).
		ServerStateFile: new(string),
	}
	if g.HardStopAfter != nil && *g.HardStopAfter > 0 {
		out.HardStopAfter = positive(*g.HardStopAfter)
	}
	for _, r := range g.RuntimeAPIs {
		if r.Address != nil && *r.Address == socket {
			out.RuntimeSocket = socket
		}
	}
	_, logs, err := cl.GetLogTargets(parentGlobal, "", tx)
	if err != nil {
		return api.Instance{}, err
	}
	targets := make([]api.LogTarget, 0, len(logs))
	for _, l := range logs {
		targets = append(targets, api.LogTarget{Address: l.Address, Facility: l.Facility, Level: l.Level})
	}
	out.LogTargets = &targets
	if out.GlobalExtraLines, err = readExtraLines(cl, tx, parser.Global, parser.GlobalSectionName); err != nil {
		return api.Instance{}, err
	}

	name, err := defaultsSection(cl, tx)
	var apiErr *api.Error
	if errors.As(err, &apiErr) {
		// No defaults section: nothing of it to report.
		return out, nil
	}
	if err != nil {
		return api.Instance{}, err
	}
	_, d, err := cl.GetDefaultsSection(name, tx)
	if err != nil {
		return api.Instance{}, err
	}
	httplog := d.Httplog
	forwardfor := d.Forwardfor != nil && d.Forwardfor.Enabled != nil && *d.Forwardfor.Enabled == enabled
	out.DefaultsName = name
	out.Mode = d.Mode
	out.TimeoutConnect, out.TimeoutClient, out.TimeoutServer = d.ConnectTimeout, d.ClientTimeout, d.ServerTimeout
	out.Httplog, out.Forwardfor = &httplog, &forwardfor
	if out.DefaultsExtraLines, err = readExtraLines(cl, tx, parser.Defaults, name); err != nil {
		return api.Instance{}, err
	}
	if d.LoadServerStateFromFile == models.DefaultsLoadServerStateFromFileGlobal && strings.HasPrefix(g.ServerStateFile, "/") {
		out.ServerStateFile = &g.ServerStateFile
	}
	return out, nil
}

func positive(v int64) *int64 {
	if v <= 0 {
		return nil
	}
	return &v
}
