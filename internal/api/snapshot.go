package api

import "path/filepath"

// Snapshot: every object of some kinds in one call, so that a refresh of
// many resources costs one round trip and one read of the machine instead
// of one of each per resource. The provider answers the single Gets of a
// refresh wave from it (internal/provider/readcache.go); the lookups below
// are the agent's own single-Get answers, so both give the same result.
const (
	// MethodSnapshot: SnapshotRequest -> Snapshot.
	MethodSnapshot = "haproxy.snapshot"
)

// Snapshot kinds, and the single Get each one answers.
const (
	KindBackends  = "backends"  // MethodBackendGet
	KindFrontends = "frontends" // MethodFrontendGet
	KindUserlists = "userlists" // MethodUserlistGet
	KindMaps      = "maps"      // MethodMapGet and MethodMapEntryGet
)

// SnapshotKinds are all the kinds, in the order the agent reads them.
var SnapshotKinds = []string{KindBackends, KindFrontends, KindUserlists, KindMaps}

// SnapshotKindOf returns the kind whose snapshot answers a Get method, and
// false for every other method.
func SnapshotKindOf(method string) (string, bool) {
	switch method {
	case MethodBackendGet:
		return KindBackends, true
	case MethodFrontendGet:
		return KindFrontends, true
	case MethodUserlistGet:
		return KindUserlists, true
	case MethodMapGet, MethodMapEntryGet:
		return KindMaps, true
	}
	return "", false
}

// SnapshotRequest names the kinds wanted (an unknown kind is CodeInvalid).
type SnapshotRequest struct {
	Kinds []string `json:"kinds"`
}

// Snapshot holds every object of the kinds in Kinds, keyed by name; the
// maps of kinds not in Kinds are nil. Unreadable lists, per kind, the
// objects the agent could not read (a single Get of one of them returns
// the agent's error; the provider asks for it on its own).
type Snapshot struct {
	Kinds      []string            `json:"kinds"`
	Backends   map[string]Backend  `json:"backends,omitempty"`
	Frontends  map[string]Frontend `json:"frontends,omitempty"`
	Userlists  map[string]Userlist `json:"userlists,omitempty"`
	Maps       map[string]Map      `json:"maps,omitempty"`
	MapsDir    string              `json:"maps_dir,omitempty"` // where absent maps would be
	Unreadable map[string][]string `json:"unreadable,omitempty"`
}

// MapNotFound is the error for a map without a file, from the agent and
// from a snapshot alike.
func MapNotFound(name, path string) *Error {
	return Errorf(CodeNotFound, "map %q does not exist (no file %s)", name, path)
}

// MapEntryOf picks one key out of a map read from the machine: the file's
// value and the running map's value, CodeNotFound when neither has the key.
// The agent's MethodMapEntryGet is exactly this on a fresh MethodMapGet.
func MapEntryOf(m Map, key string) (MapEntry, error) {
	e := MapEntry{Map: m.Name, Key: key, Path: m.Path, Loaded: m.Loaded}
	if v, ok := m.File[key]; ok {
		e.File = &v
	}
	if v, ok := m.Runtime[key]; ok {
		e.Runtime = &v
	}
	if e.File == nil && e.Runtime == nil {
		return MapEntry{}, Errorf(CodeNotFound, "map %q has no key %q", m.Name, key)
	}
	return e, nil
}

// proxyNotFound is the agent's error for an absent backend, frontend or
// userlist (Detail, client-native's own wording, is left out).
func proxyNotFound(kind, name string) *Error {
	return Errorf(CodeNotFound, "%s %q does not exist", kind, name)
}

// Lookup answers a single Get from the snapshot: its result, or the error
// the agent would return. ok is false when the snapshot cannot answer: the
// kind is not in it, the object was unreadable, or the name is one the
// snapshot cannot judge (outside the alphabet every kind accepts, where
// the agent may answer CodeInvalid rather than CodeNotFound). Then the
// caller asks the agent.
func (s *Snapshot) Lookup(method, name, key string) (result any, err error, ok bool) {
	kind, known := SnapshotKindOf(method)
	if !known || !s.has(kind) || !plainName(name) {
		return nil, nil, false
	}
	for _, u := range s.Unreadable[kind] {
		if u == name {
			return nil, nil, false
		}
	}
	switch method {
	case MethodBackendGet:
		if b, found := s.Backends[name]; found {
			return b, nil, true
		}
		return nil, proxyNotFound("backend", name), true
	case MethodFrontendGet:
		if f, found := s.Frontends[name]; found {
			return f, nil, true
		}
		return nil, proxyNotFound("frontend", name), true
	case MethodUserlistGet:
		if u, found := s.Userlists[name]; found {
			return u, nil, true
		}
		return nil, proxyNotFound("userlist", name), true
	}
	m, found := s.Maps[name]
	if !found {
		if s.MapsDir == "" {
			return nil, nil, false
		}
		return nil, MapNotFound(name, filepath.Join(s.MapsDir, name+".map")), true
	}
	if method == MethodMapGet {
		return m, nil, true
	}
	e, err := MapEntryOf(m, key)
	if err != nil {
		return nil, err, true
	}
	return e, nil, true
}

func (s *Snapshot) has(kind string) bool {
	for _, k := range s.Kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// plainName is the part of the name alphabets that every kind accepts
// (proxy names: letters, digits, `_.:-`; map names: the same without `:`,
// not starting with a dot, at most 250 bytes). Only for such a name does
// "not in the snapshot" mean exactly CodeNotFound.
func plainName(name string) bool {
	if name == "" || len(name) > 250 || name[0] == '.' {
		return false
	}
	for _, r := range name {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '-' && r != '_' && r != '.' {
			return false
		}
	}
	return true
}

// CheckSnapshotKinds rejects an unknown kind.
func CheckSnapshotKinds(kinds []string) error {
	for _, k := range kinds {
		known := false
		for _, s := range SnapshotKinds {
			known = known || k == s
		}
		if !known {
			return Errorf(CodeInvalid, "unknown snapshot kind %q (known: %v)", k, SnapshotKinds)
		}
	}
	return nil
}
