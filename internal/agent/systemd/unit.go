// Package systemd writes, reads and controls the service units that
// switchyard_service manages. Units are written with go-systemd's unit
// package and read back by parsing them with it, so a hand edit of the file
// is read the same way systemd reads it.
package systemd

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/coreos/go-systemd/v22/unit"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/netns"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

// Header starts every unit the agent writes; Create refuses to overwrite a
// unit without it.
const Header = "# Managed by Switchyard (terraform-provider-switchyard). Edits are reverted by terraform apply.\n"

// sandboxOptions are the [Service] lines `sandbox = true` writes. Read
// reports sandbox as true only when all of them are there as written.
var sandboxOptions = []*unit.UnitOption{
	unit.NewUnitOption("Service", "ProtectSystem", "strict"),
	unit.NewUnitOption("Service", "ProtectHome", "yes"),
	unit.NewUnitOption("Service", "PrivateTmp", "yes"),
	unit.NewUnitOption("Service", "PrivateDevices", "yes"),
	unit.NewUnitOption("Service", "NoNewPrivileges", "yes"),
	unit.NewUnitOption("Service", "RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"),
	unit.NewUnitOption("Service", "SystemCallFilter", "@system-service"),
	unit.NewUnitOption("Service", "CapabilityBoundingSet", ""),
}

// Render turns a service into a unit file.
func Render(s api.Service) ([]byte, error) {
	opts, err := renderOptions(s)
	if err != nil {
		return nil, err
	}
	return serialize(Header, opts)
}

// RenderKeeping is Render for a unit that replaces old. A unit written by
// hand (old without Switchyard's header, adopted by an import) keeps its
// ordering and documentation lines (keptOption), which the resource does
// not model, and stays without the header: it is still the author's file,
// rewritten only where the resource's settings changed it.
func RenderKeeping(s api.Service, old []byte) ([]byte, error) {
	if old == nil || bytes.HasPrefix(old, []byte(Header)) {
		return Render(s)
	}
	opts, err := renderOptions(s)
	if err != nil {
		return nil, err
	}
	oldOpts, err := unit.DeserializeOptions(bytes.NewReader(old))
	if err != nil {
		return Render(s)
	}
	// Kept lines go right after the [Unit] lines Switchyard writes.
	at := 0
	for i, o := range opts {
		if o.Section == "Unit" {
			at = i + 1
		}
	}
	var kept []*unit.UnitOption
	for _, o := range oldOpts {
		if keptOption(o) {
			kept = append(kept, o)
		}
	}
	opts = append(opts[:at], append(kept, opts[at:]...)...)
	return serialize("", opts)
}

func serialize(header string, opts []*unit.UnitOption) ([]byte, error) {
	body, err := io.ReadAll(unit.Serialize(opts))
	if err != nil {
		return nil, err
	}
	return append([]byte(header), body...), nil
}

// keptOption reports a line of a hand-written unit that switchyard_service
// does not model and keeps as it is on every rewrite: ordering and
// documentation, which say nothing about how the program runs.
// Switchyard's own ordering on a namespace unit is not among them: Render
// writes it from `namespace`.
func keptOption(o *unit.UnitOption) bool {
	if o.Section != "Unit" {
		return false
	}
	switch o.Name {
	case "Documentation", "Wants", "After", "Before":
		return !strings.Contains(o.Value, "switchyard-netns@")
	}
	return false
}

// handWrittenImportable: every line of a unit written by hand (s is what
// Parse read from it) is kept (keptOption) or one whose meaning s holds, so
// that RenderKeeping loses nothing. Type= may be absent, simple or exec (a
// rewrite writes exec, which only changes when systemd reports the start).
func handWrittenImportable(data []byte, s api.Service) error {
	opts, err := unit.DeserializeOptions(bytes.NewReader(data))
	if err != nil {
		return err
	}
	for _, o := range opts {
		if keptOption(o) || modelled(o, s) {
			continue
		}
		return fmt.Errorf("line %q in [%s]: switchyard_service does not model it, so the next apply would lose it", o.Name+"="+o.Value, o.Section)
	}
	return nil
}

// modelled reports a line whose meaning Parse put into s.
func modelled(o *unit.UnitOption, s api.Service) bool {
	if slices.ContainsFunc(sandboxOptions, o.Match) {
		return s.Sandbox // a partial sandbox reads as none: it would be lost
	}
	switch o.Section + "." + o.Name {
	case "Unit.Description",
		"Service.ExecStart", "Service.WorkingDirectory", "Service.Environment", "Service.User", "Service.DynamicUser",
		"Service.PrivateNetwork", "Service.ReadWritePaths", "Service.StateDirectory", "Service.CPUQuota",
		"Service.CPUWeight", "Service.MemoryMax", "Service.IOWeight", "Service.TasksMax", "Service.Restart":
		return true
	case "Unit.Requires", "Unit.After":
		return s.Namespace != "" && o.Value == netns.Unit(s.Namespace)
	case "Service.NetworkNamespacePath":
		return s.Namespace != "" && grammar.NamespaceName(s.Namespace) == nil
	case "Service.Type":
		return o.Value == "simple" || o.Value == "exec"
	case "Install.WantedBy":
		return o.Value == "multi-user.target"
	}
	return false
}

// renderOptions is the unit's lines for s.
func renderOptions(s api.Service) ([]*unit.UnitOption, error) {
	if len(s.ExecStart) == 0 {
		return nil, fmt.Errorf("exec_start must have at least the program")
	}
	for _, a := range s.ExecStart {
		if a == ";" {
			return nil, fmt.Errorf(`exec_start: an argument ";" would separate commands in systemd; it cannot be passed`)
		}
	}
	opt := func(sec, name, value string) *unit.UnitOption { return unit.NewUnitOption(sec, name, value) }
	opts := []*unit.UnitOption{opt("Unit", "Description", s.Description)}
	if s.Namespace != "" {
		nu := netns.Unit(s.Namespace)
		opts = append(opts, opt("Unit", "Requires", nu), opt("Unit", "After", nu))
	}
	opts = append(opts,
		opt("Service", "Type", "exec"),
		opt("Service", "ExecStart", quoteArgs(s.ExecStart)),
	)
	if s.WorkingDirectory != "" {
		opts = append(opts, opt("Service", "WorkingDirectory", s.WorkingDirectory))
	}
	for _, k := range slices.Sorted(maps.Keys(s.Environment)) {
		opts = append(opts, opt("Service", "Environment", quoteWord(k+"="+s.Environment[k], false)))
	}
	if s.User != "" {
		opts = append(opts, opt("Service", "User", s.User))
	} else {
		opts = append(opts, opt("Service", "DynamicUser", "yes"))
	}
	if s.Namespace != "" {
		opts = append(opts, opt("Service", "NetworkNamespacePath", "/run/netns/"+s.Namespace))
	}
	if s.PrivateNetwork {
		opts = append(opts, opt("Service", "PrivateNetwork", "yes"))
	}
	if s.Sandbox {
		opts = append(opts, sandboxOptions...)
	}
	for _, p := range s.ReadWritePaths {
		opts = append(opts, opt("Service", "ReadWritePaths", p))
	}
	if s.StateDirectory != "" {
		opts = append(opts, opt("Service", "StateDirectory", s.StateDirectory))
	}
	if s.CPUQuota != "" {
		opts = append(opts, opt("Service", "CPUQuota", s.CPUQuota))
	}
	if s.CPUWeight != nil {
		opts = append(opts, opt("Service", "CPUWeight", strconv.FormatInt(*s.CPUWeight, 10)))
	}
	if s.MemoryMax != "" {
		opts = append(opts, opt("Service", "MemoryMax", s.MemoryMax))
	}
	if s.IOWeight != nil {
		opts = append(opts, opt("Service", "IOWeight", strconv.FormatInt(*s.IOWeight, 10)))
	}
	if s.TasksMax != nil {
		opts = append(opts, opt("Service", "TasksMax", strconv.FormatInt(*s.TasksMax, 10)))
	}
	if s.Restart != "" {
		opts = append(opts, opt("Service", "Restart", s.Restart))
	}
	opts = append(opts, opt("Install", "WantedBy", "multi-user.target"))
	return opts, nil
}

// Parse reads a unit file back into a service. Only the unit's content is
// filled in; Name, Enabled and Running come from elsewhere. Lines it does
// not know are ignored.
func Parse(data []byte) (api.Service, error) {
	opts, err := unit.DeserializeOptions(bytes.NewReader(data))
	if err != nil {
		return api.Service{}, fmt.Errorf("parsing unit file: %w", err)
	}
	var s api.Service
	sandbox := 0
	dynamicUser := false
	for _, o := range opts {
		if slices.ContainsFunc(sandboxOptions, o.Match) {
			sandbox++
			continue
		}
		if o.Section == "Unit" && o.Name == "Description" {
			s.Description = o.Value
			continue
		}
		if o.Section != "Service" {
			continue
		}
		switch o.Name {
		case "ExecStart":
			// "ExecStart=" alone resets the list, as in systemd.
			args, err := splitWords(o.Value, true)
			if err != nil {
				return api.Service{}, fmt.Errorf("ExecStart: %w", err)
			}
			s.ExecStart = args
		case "WorkingDirectory":
			s.WorkingDirectory = o.Value
		case "Environment":
			words, err := splitWords(o.Value, false)
			if err != nil {
				return api.Service{}, fmt.Errorf("environment: %w", err)
			}
			for _, w := range words {
				k, v, ok := strings.Cut(w, "=")
				if !ok {
					continue // systemd ignores it too
				}
				if s.Environment == nil {
					s.Environment = map[string]string{}
				}
				s.Environment[k] = v
			}
		case "User":
			s.User = o.Value
		case "DynamicUser":
			dynamicUser = parseBool(o.Value)
		case "NetworkNamespacePath":
			// /var/run is /run on every systemd machine; the article's
			// units (and ip-netns(8)'s) name it so.
			s.Namespace = strings.TrimPrefix(strings.TrimPrefix(o.Value, "/var"), "/run/netns/")
		case "PrivateNetwork":
			s.PrivateNetwork = parseBool(o.Value)
		case "ReadWritePaths":
			if o.Value == "" {
				s.ReadWritePaths = nil
				continue
			}
			s.ReadWritePaths = append(s.ReadWritePaths, strings.Fields(o.Value)...)
		case "StateDirectory":
			s.StateDirectory = o.Value
		case "CPUQuota":
			s.CPUQuota = o.Value
		case "CPUWeight":
			s.CPUWeight = parseInt(o.Value)
		case "MemoryMax":
			s.MemoryMax = o.Value
		case "IOWeight":
			s.IOWeight = parseInt(o.Value)
		case "TasksMax":
			s.TasksMax = parseInt(o.Value)
		case "Restart":
			s.Restart = o.Value
		}
	}
	s.Sandbox = sandbox == len(sandboxOptions)
	if s.User == "" && !dynamicUser {
		// A unit with neither line runs as root (units written by hand
		// often do). Reading it as "" would mean DynamicUser=yes, and the
		// next write would silently change the user it runs as.
		s.User = "root"
	}
	return s, nil
}

func parseBool(v string) bool {
	switch strings.ToLower(v) {
	case "1", "yes", "y", "true", "t", "on":
		return true
	}
	return false
}

// parseInt reads a number; anything else (a hand-written "infinity") reads
// as unset, which shows as a difference against a configured number.
func parseInt(v string) *int64 {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil
	}
	return &n
}
