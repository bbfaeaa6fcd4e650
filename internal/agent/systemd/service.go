package systemd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/atomicfile"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/machinelock"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/netns"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/systemctl"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// UnitDir is where the agent writes units.
const UnitDir = "/etc/systemd/system"

// StartTimeout bounds how long an apply waits for a service to run and
// answer on its readiness port.
const StartTimeout = 30 * time.Second

// Services manages the machine's service units. Unit-file writes, enables
// and daemon-reloads are made under the machine lock: resources applied in
// one wave, or by two sessions, must not interleave a write of one with
// the reload of another. Starting and waiting for readiness is not: it
// can take StartTimeout and changes no file.
type Services struct {
	Systemctl systemctl.Runner
	Lock      *machinelock.Lock
	UnitDir   string // default UnitDir
}

func (v *Services) unitDir() string {
	if v.UnitDir == "" {
		return UnitDir
	}
	return v.UnitDir
}

func (v *Services) unitPath(name string) string { return filepath.Join(v.unitDir(), name+".service") }

func (v *Services) systemctl(ctx context.Context, args ...string) (string, error) {
	return v.Systemctl.Run(ctx, args...)
}

// GetService reads a service's unit file and its live state.
func (v *Services) GetService(ctx context.Context, name string) (api.Service, error) {
	data, err := os.ReadFile(v.unitPath(name))
	if errors.Is(err, fs.ErrNotExist) {
		return api.Service{}, api.Errorf(api.CodeNotFound, "service %q does not exist (%s)", name, v.unitPath(name))
	}
	if err != nil {
		return api.Service{}, err
	}
	s, err := Parse(data)
	if err != nil {
		return api.Service{}, api.Errorf(api.CodeInvalid, "service %q: %v", name, err)
	}
	s.Name = name
	props, err := Show(ctx, v.Systemctl, name+".service", "ActiveState", "UnitFileState")
	if err != nil {
		return api.Service{}, err
	}
	s.Enabled = props["UnitFileState"] == "enabled"
	s.Running = props["ActiveState"] == "active" || props["ActiveState"] == "reloading"
	return s, nil
}

// ApplyService writes the unit when it differs, then brings the service to
// the asked enabled/running state; create says whether an existing unit
// that the agent did not write must be refused.
func (v *Services) ApplyService(ctx context.Context, s api.Service, create bool) (api.Service, error) {
	// An adopted unit written by hand keeps its ordering lines and stays
	// its author's file (RenderKeeping); a create never overwrites one.
	old, _ := os.ReadFile(v.unitPath(s.Name))
	if create {
		old = nil
	}
	body, err := RenderKeeping(s, old)
	if err != nil {
		return api.Service{}, api.Errorf(api.CodeInvalid, "service %q: %v", s.Name, err)
	}
	unitName := s.Name + ".service"
	var changed bool
	err = v.Lock.Do(ctx, func() error {
		var err error
		changed, err = v.writeUnit(ctx, s.Name, body, create)
		if err != nil {
			return err
		}
		// enable and disable change links in the unit directory.
		if s.Enabled {
			_, err = v.systemctl(ctx, "enable", "--", unitName)
		} else {
			_, err = v.systemctl(ctx, "disable", "--", unitName)
		}
		if err != nil {
			return api.Errorf(api.CodeRejected, "service %q: %v", s.Name, err)
		}
		return nil
	})
	if err != nil {
		return api.Service{}, err
	}
	if !s.Running {
		if _, err := v.systemctl(ctx, "stop", "--", unitName); err != nil {
			return api.Service{}, api.Errorf(api.CodeRejected, "service %q: %v", s.Name, err)
		}
		return v.GetService(ctx, s.Name)
	}
	verb := "start"
	if changed {
		verb = "restart" // a running service keeps its old unit until restarted
	}
	_, _ = v.systemctl(ctx, "reset-failed", "--", unitName)
	if _, err := v.systemctl(ctx, verb, "--", unitName); err != nil {
		return api.Service{}, v.notStarted(ctx, s.Name, err)
	}
	if err := v.waitReady(ctx, s); err != nil {
		return api.Service{}, v.notStarted(ctx, s.Name, err)
	}
	return v.GetService(ctx, s.Name)
}

func (v *Services) notStarted(ctx context.Context, name string, err error) error {
	return &api.Error{Code: api.CodeRejected, Message: fmt.Sprintf("service %q did not start: %v", name, err), Detail: Diagnose(ctx, v.Systemctl, name+".service")}
}

// writeUnit replaces the unit file atomically and daemon-reloads, only when
// its content changes. The caller holds the machine lock.
func (v *Services) writeUnit(ctx context.Context, name string, body []byte, create bool) (bool, error) {
	path := v.unitPath(name)
	old, err := os.ReadFile(path)
	switch {
	case err == nil && create && !bytes.HasPrefix(old, []byte(Header)):
		return false, api.Errorf(api.CodeExists, "service %q already exists (%s) and was not written by Switchyard", name, path)
	case err == nil && bytes.Equal(old, body):
		return false, nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return false, err
	}
	if err := atomicfile.Write(path, body, atomicfile.New(0o644)); err != nil {
		return false, err
	}
	if _, err := v.systemctl(ctx, "daemon-reload"); err != nil {
		return false, err
	}
	return true, nil
}

// waitReady polls until the unit is active and, with a readiness port, until
// the port accepts a connection in the service's own network namespace
// (found through its main process, so it works for namespace,
// private_network and the host alike). A failed unit ends the wait at once.
func (v *Services) waitReady(ctx context.Context, s api.Service) error {
	ctx, cancel := context.WithTimeout(ctx, StartTimeout)
	defer cancel()
	var last error
	for {
		props, err := Show(ctx, v.Systemctl, s.Name+".service", "ActiveState", "SubState", "MainPID")
		if err != nil {
			return err
		}
		switch state := props["ActiveState"]; {
		case state == "failed" || props["SubState"] == "auto-restart" || state == "inactive":
			return fmt.Errorf("the unit is %s (%s)", state, props["SubState"])
		case state == "active":
			if s.ReadinessPort == nil {
				return nil
			}
			pid := props["MainPID"]
			last = netns.DialIn("/proc/"+pid+"/ns/net", int(*s.ReadinessPort), time.Second)
			if last == nil {
				return nil
			}
			last = fmt.Errorf("port %d does not accept connections: %w", *s.ReadinessPort, last)
		default:
			last = fmt.Errorf("the unit is %s (%s)", state, props["SubState"])
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready after %s: %w", StartTimeout, last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// DeleteService stops, disables and removes a service.
func (v *Services) DeleteService(ctx context.Context, name string) error {
	path := v.unitPath(name)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return api.Errorf(api.CodeNotFound, "service %q does not exist (%s)", name, path)
	}
	unitName := name + ".service"
	return v.Lock.Do(ctx, func() error {
		if _, err := v.systemctl(ctx, "disable", "--now", "--", unitName); err != nil {
			return api.Errorf(api.CodeRejected, "service %q: %v", name, err)
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		_, _ = v.systemctl(ctx, "reset-failed", "--", unitName)
		_, err := v.systemctl(ctx, "daemon-reload")
		return err
	})
}

// ServicesInNamespace lists the managed services whose units put them in
// namespace name.
func (v *Services) ServicesInNamespace(name string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(v.unitDir(), "*.service"))
	if err != nil {
		return nil, err
	}
	var users []string
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil || !bytes.HasPrefix(data, []byte(Header)) {
			continue
		}
		s, err := Parse(data)
		if err == nil && s.Namespace == name {
			users = append(users, filepath.Base(p[:len(p)-len(".service")]))
		}
	}
	return users, nil
}
