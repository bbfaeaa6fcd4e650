package systemd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/netns"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// UnitDir is where the agent writes units.
const UnitDir = "/etc/systemd/system"

// StartTimeout bounds how long an apply waits for a service to run and
// answer on its readiness port.
const StartTimeout = 30 * time.Second

// Mu serialises unit-file writes and daemon-reloads of one agent session:
// resources applied in one wave must not interleave a write of one with the
// reload of another.
var Mu sync.Mutex

func unitPath(name string) string { return filepath.Join(UnitDir, name+".service") }

// GetService reads a service's unit file and its live state.
func GetService(ctx context.Context, name string) (api.Service, error) {
	data, err := os.ReadFile(unitPath(name))
	if errors.Is(err, fs.ErrNotExist) {
		return api.Service{}, api.Errorf(api.CodeNotFound, "service %q does not exist (%s)", name, unitPath(name))
	}
	if err != nil {
		return api.Service{}, err
	}
	s, err := Parse(data)
	if err != nil {
		return api.Service{}, api.Errorf(api.CodeInvalid, "service %q: %v", name, err)
	}
	s.Name = name
	props, err := Show(ctx, name+".service", "ActiveState", "UnitFileState")
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
func ApplyService(ctx context.Context, s api.Service, create bool) (api.Service, error) {
	body, err := Render(s)
	if err != nil {
		return api.Service{}, api.Errorf(api.CodeInvalid, "service %q: %v", s.Name, err)
	}
	unitName := s.Name + ".service"
	changed, err := writeUnit(ctx, s.Name, body, create)
	if err != nil {
		return api.Service{}, err
	}
	if s.Enabled {
		_, err = Systemctl(ctx, "enable", "--", unitName)
	} else {
		_, err = Systemctl(ctx, "disable", "--", unitName)
	}
	if err != nil {
		return api.Service{}, api.Errorf(api.CodeRejected, "service %q: %v", s.Name, err)
	}
	if !s.Running {
		if _, err := Systemctl(ctx, "stop", "--", unitName); err != nil {
			return api.Service{}, api.Errorf(api.CodeRejected, "service %q: %v", s.Name, err)
		}
		return GetService(ctx, s.Name)
	}
	verb := "start"
	if changed {
		verb = "restart" // a running service keeps its old unit until restarted
	}
	_, _ = Systemctl(ctx, "reset-failed", "--", unitName)
	if _, err := Systemctl(ctx, verb, "--", unitName); err != nil {
		return api.Service{}, notStarted(ctx, s.Name, err)
	}
	if err := waitReady(ctx, s); err != nil {
		return api.Service{}, notStarted(ctx, s.Name, err)
	}
	return GetService(ctx, s.Name)
}

func notStarted(ctx context.Context, name string, err error) error {
	return &api.Error{Code: api.CodeRejected, Message: fmt.Sprintf("service %q did not start: %v", name, err), Detail: Diagnose(ctx, name+".service")}
}

// writeUnit replaces the unit file atomically and daemon-reloads, only when
// its content changes.
func writeUnit(ctx context.Context, name string, body []byte, create bool) (bool, error) {
	Mu.Lock()
	defer Mu.Unlock()
	path := unitPath(name)
	old, err := os.ReadFile(path)
	switch {
	case err == nil && create && !bytes.HasPrefix(old, []byte(Header)):
		return false, api.Errorf(api.CodeExists, "service %q already exists (%s) and was not written by Switchyard", name, path)
	case err == nil && bytes.Equal(old, body):
		return false, nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return false, err
	}
	if err := WriteFileAtomic(path, body); err != nil {
		return false, err
	}
	if _, err := Systemctl(ctx, "daemon-reload"); err != nil {
		return false, err
	}
	return true, nil
}

// WriteFileAtomic writes path through a temporary file and a rename, so
// systemd never reads half a unit.
func WriteFileAtomic(path string, body []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".switchyard-tmp"
	if err := os.WriteFile(tmp, body, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// waitReady polls until the unit is active and, with a readiness port, until
// the port accepts a connection in the service's own network namespace
// (found through its main process, so it works for namespace,
// private_network and the host alike). A failed unit ends the wait at once.
func waitReady(ctx context.Context, s api.Service) error {
	ctx, cancel := context.WithTimeout(ctx, StartTimeout)
	defer cancel()
	var last error
	for {
		props, err := Show(ctx, s.Name+".service", "ActiveState", "SubState", "MainPID")
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
func DeleteService(ctx context.Context, name string) error {
	path := unitPath(name)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return api.Errorf(api.CodeNotFound, "service %q does not exist (%s)", name, path)
	}
	unitName := name + ".service"
	if _, err := Systemctl(ctx, "disable", "--now", "--", unitName); err != nil {
		return api.Errorf(api.CodeRejected, "service %q: %v", name, err)
	}
	Mu.Lock()
	defer Mu.Unlock()
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	_, _ = Systemctl(ctx, "reset-failed", "--", unitName)
	_, err := Systemctl(ctx, "daemon-reload")
	return err
}

// ServicesInNamespace lists the managed services whose units put them in
// namespace name.
func ServicesInNamespace(name string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(UnitDir, "*.service"))
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
