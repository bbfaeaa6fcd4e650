package haproxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/atomicfile"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/runtime"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// Maps change without a reload: the running HAProxy through its runtime API
// and the file on disk, so that the next reload (or boot) loads the same
// entries. Both are written under the machine lock, so that a map change
// and a config change (whose reload re-reads map files) never interleave,
// but nothing here ever reloads.

func (m *Manager) runtime() runtime.Client {
	return runtime.Client{Socket: m.opts.HAProxy.RuntimeSocket}
}

// MapPath is the absolute path of the map file called name.
func (m *Manager) MapPath(name string) string {
	return filepath.Join(m.opts.HAProxy.MapsDir, name+".map")
}

func (m *Manager) locked(ctx context.Context, fn func() error) error {
	return m.lock.Do(ctx, fn)
}

// mapFilePerm is a new map file's: HAProxy's workers may run as the
// haproxy user and must read it.
var mapFilePerm = atomicfile.New(0o644)

// readMapFile returns the file's text; CodeNotFound when it is absent.
func (m *Manager) readMapFile(name string) (string, error) {
	b, err := os.ReadFile(m.MapPath(name))
	if errors.Is(err, fs.ErrNotExist) {
		return "", api.MapNotFound(name, m.MapPath(name))
	}
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", m.MapPath(name), err)
	}
	return string(b), nil
}

// runtimeMap returns the running map's entries (first entry of a key wins,
// as in a lookup) and whether HAProxy has the map loaded at all.
func (m *Manager) runtimeMap(ctx context.Context, path string) (map[string]string, bool, error) {
	entries, err := m.runtime().ShowMap(ctx, path)
	if notLive(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		if _, dup := out[e.Key]; !dup {
			out[e.Key] = e.Value
		}
	}
	return out, true, nil
}

// GetMap reads a map's file and its running copy.
func (m *Manager) GetMap(ctx context.Context, name string) (api.Map, error) {
	if err := checkMapName(name); err != nil {
		return api.Map{}, api.Errorf(api.CodeInvalid, "%v", err)
	}
	data, err := m.readMapFile(name)
	if err != nil {
		return api.Map{}, mapError(name, err)
	}
	path := m.MapPath(name)
	rt, loaded, err := m.runtimeMap(ctx, path)
	if err != nil {
		return api.Map{}, mapError(name, err)
	}
	return api.Map{Name: name, Path: path, File: parseMapFile(data), Loaded: loaded, Runtime: rt}, nil
}

// CreateMap writes a new map file (CodeExists if there is one) and, in the
// unusual case that HAProxy already references it, fills the running map.
func (m *Manager) CreateMap(ctx context.Context, spec api.MapSpec) (api.Map, error) {
	return m.writeMap(ctx, spec, true)
}

// UpdateMap replaces every entry of an existing map, in the file and in the
// running map, even when only one of them differs: that is how drift on
// either side is repaired.
func (m *Manager) UpdateMap(ctx context.Context, spec api.MapSpec) (api.Map, error) {
	return m.writeMap(ctx, spec, false)
}

func (m *Manager) writeMap(ctx context.Context, spec api.MapSpec, create bool) (api.Map, error) {
	if err := checkMapSpec(spec); err != nil {
		return api.Map{}, err
	}
	path := m.MapPath(spec.Name)
	err := m.locked(ctx, func() error {
		want := renderMapFile(spec.Entries)
		old, err := os.ReadFile(path)
		switch {
		case create && err == nil && !bytes.Equal(old, want):
			return api.Errorf(api.CodeExists, "map %q already exists (%s)", spec.Name, path)
		case create && err == nil:
			// The file is exactly what this create writes: a create that
			// failed after writing it (at the runtime change) is being
			// retried, and must converge rather than find its own file.
		case !create && errors.Is(err, fs.ErrNotExist):
			return api.MapNotFound(spec.Name, path)
		}
		if err := os.MkdirAll(m.opts.HAProxy.MapsDir, 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", m.opts.HAProxy.MapsDir, err)
		}
		// The file first: if the runtime change then fails, the next read
		// shows the running map as drift, and the next reload fixes it.
		if err := atomicfile.Write(path, want, mapFilePerm); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		err = m.runtime().ReplaceMap(ctx, path, sortedEntries(spec.Entries))
		if notLive(err) {
			return nil // no rule uses it yet; the reload that adds one loads the file
		}
		return err
	})
	if err != nil {
		return api.Map{}, mapError(spec.Name, err)
	}
	return m.GetMap(ctx, spec.Name)
}

// DeleteMap removes the map file and empties the running map. It refuses
// while haproxy.cfg names the file: HAProxy would not start (or reload)
// without it.
func (m *Manager) DeleteMap(ctx context.Context, name string) error {
	if err := checkMapName(name); err != nil {
		return api.Errorf(api.CodeInvalid, "%v", err)
	}
	path := m.MapPath(name)
	err := m.locked(ctx, func() error {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return api.MapNotFound(name, path)
		}
		cfg, err := os.ReadFile(m.opts.HAProxy.ConfigFile)
		if err != nil {
			return fmt.Errorf("reading %s: %w", m.opts.HAProxy.ConfigFile, err)
		}
		if strings.Contains(string(cfg), path) {
			return api.Errorf(api.CodeRejected, "map %q is still used by %s, which names %s; "+
				"HAProxy could not reload without the file. Remove the rules that use it first", name, m.opts.HAProxy.ConfigFile, path)
		}
		if err := m.runtime().ReplaceMap(ctx, path, nil); err != nil && !notLive(err) {
			return err
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing %s: %w", path, err)
		}
		return nil
	})
	return mapError(name, err)
}

// GetMapEntry reads one key from the file and the running map.
func (m *Manager) GetMapEntry(ctx context.Context, ref api.MapEntryRef) (api.MapEntry, error) {
	mp, err := m.GetMap(ctx, ref.Map)
	if err != nil {
		return api.MapEntry{}, err
	}
	// The same function answers a map entry from a snapshot (api.Snapshot).
	return api.MapEntryOf(mp, ref.Key)
}

// SetMapEntry sets one key in the file (creating the file if needed) and in
// the running map, leaving every other line and key alone. It answers from
// what it wrote rather than by reading the map back: a read is a whole
// `show map`, and 500 entry writes into one map would read it 500 times.
func (m *Manager) SetMapEntry(ctx context.Context, spec api.MapEntrySpec) (api.MapEntry, error) {
	if err := checkMapName(spec.Map); err != nil {
		return api.MapEntry{}, api.Errorf(api.CodeInvalid, "%v", err)
	}
	if err := checkMapEntry(spec.Key, spec.Value); err != nil {
		return api.MapEntry{}, api.Errorf(api.CodeInvalid, "%v", err)
	}
	path := m.MapPath(spec.Map)
	loaded := false
	err := m.entryLocked(ctx, path, spec.Key, func() error {
		data, err := m.readMapFile(spec.Map)
		if err != nil && !errors.Is(err, api.ErrNotFound) {
			return err
		}
		if _, ok := parseMapFile(data)[spec.Key]; ok && spec.Create {
			return api.Errorf(api.CodeExists, "map %q already has key %q (%s)", spec.Map, spec.Key, path)
		}
		if err := os.MkdirAll(m.opts.HAProxy.MapsDir, 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", m.opts.HAProxy.MapsDir, err)
		}
		if err := atomicfile.Write(path, []byte(setMapLine(data, spec.Key, &spec.Value)), mapFilePerm); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		err = m.runtime().SetEntry(ctx, path, spec.Key, spec.Value)
		if notLive(err) {
			return nil
		}
		loaded = err == nil
		return err
	})
	if err != nil {
		return api.MapEntry{}, mapError(spec.Map, err)
	}
	e := api.MapEntry{Map: spec.Map, Key: spec.Key, Path: path, File: &spec.Value, Loaded: loaded}
	if loaded {
		e.Runtime = &spec.Value
	}
	return e, nil
}

// DeleteMapEntry removes one key from the file and the running map.
func (m *Manager) DeleteMapEntry(ctx context.Context, ref api.MapEntryRef) error {
	if err := checkMapName(ref.Map); err != nil {
		return api.Errorf(api.CodeInvalid, "%v", err)
	}
	path := m.MapPath(ref.Map)
	err := m.entryLocked(ctx, path, ref.Key, func() error {
		data, err := m.readMapFile(ref.Map)
		if err != nil {
			return err
		}
		if err := atomicfile.Write(path, []byte(setMapLine(data, ref.Key, nil)), mapFilePerm); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		err = m.runtime().DeleteEntry(ctx, path, ref.Key)
		if notLive(err) {
			return nil
		}
		return err
	})
	return mapError(ref.Map, err)
}

func checkMapSpec(spec api.MapSpec) error {
	if err := checkMapName(spec.Name); err != nil {
		return api.Errorf(api.CodeInvalid, "%v", err)
	}
	for k, v := range spec.Entries {
		if err := checkMapEntry(k, v); err != nil {
			return api.Errorf(api.CodeInvalid, "map %q: %v", spec.Name, err)
		}
	}
	return nil
}

func sortedEntries(entries map[string]string) []runtime.Entry {
	out := make([]runtime.Entry, 0, len(entries))
	for k, v := range entries {
		out = append(out, runtime.Entry{Key: k, Value: v})
	}
	slices.SortFunc(out, func(a, b runtime.Entry) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// notLive is true when the running HAProxy has no copy of the map to
// change: no rule uses it, or HAProxy is stopped. Its next start or reload
// reads the file, so the file alone is then the whole change.
func notLive(err error) bool {
	return errors.Is(err, runtime.ErrNotLoaded) || errors.Is(err, runtime.ErrNotRunning)
}

// mapError keeps wire errors and labels the rest with the map's name.
func mapError(name string, err error) error {
	if err == nil {
		return nil
	}
	if e, ok := api.AsError(err); ok {
		return e
	}
	return &api.Error{Code: api.CodeInternal, Message: label("map", name) + ": " + err.Error()}
}
