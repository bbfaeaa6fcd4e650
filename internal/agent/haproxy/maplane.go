package haproxy

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"sort"
	"sync"
)

// The map-entry lane (issue 15). A map entry write takes the machine lock
// for a few milliseconds (a map file rewrite and one runtime command) and
// never reloads; but while this session's committer holds the lock through
// a batch's transaction, `haproxy -c` and reload, an entry write that
// waits for the lock holds one of Terraform's parallel slots, so the next
// wave of backends is smaller and Terraform needs more reloads than waves.
//
// So while the committer holds the lock, entry writes of the same session
// do not wait for it: they run in the lane, one at a time (mapLane.mu), next to
// the batch. That is safe because nothing the batch does touches a map
// file, and nobody else can hold the lock meanwhile. What the lane cannot
// know is whether a reload that is under way has loaded a map file before
// or after an entry's write, or which generation of workers an entry's
// runtime command reached. So before it releases the lock, the committer
// sets again, from the file, every key the lane wrote, when a reload
// happened in between. A session killed before that leaves the file
// right and at most the running value behind: the next read reports
// file and runtime apart (drift on the map entry), and the next reload or
// apply makes them agree.
type mapLane struct {
	mu   sync.Mutex
	open bool
	// reloadsAtOpen is the reload counter when the lane opened: a
	// different count at close means the running maps may lag the files.
	reloadsAtOpen int64
	// keys are the keys written in the lane, per map file.
	keys map[string]map[string]struct{}
}

// entryLocked runs fn, a write of key in the map file at path and in the
// running map, either under the machine lock or, while this session's
// committer holds it, in the lane.
func (m *Manager) entryLocked(ctx context.Context, path, key string, fn func() error) error {
	l := &m.lane
	l.mu.Lock()
	if l.open {
		defer l.mu.Unlock()
		// Recorded whatever fn returns: a write can fail at the runtime
		// step after writing the file, which the re-send then completes.
		if l.keys[path] == nil {
			l.keys[path] = map[string]struct{}{}
		}
		l.keys[path][key] = struct{}{}
		return fn()
	}
	l.mu.Unlock()
	return m.locked(ctx, fn)
}

// openLane is called by the committer right after it takes the lock.
func (m *Manager) openLane() {
	l := &m.lane
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open, l.reloadsAtOpen, l.keys = true, m.reloads.Load(), map[string]map[string]struct{}{}
}

// closeLane is called by the committer before it releases the lock (a
// second call does nothing). It waits for a lane write in progress, then,
// if a reload happened while the lane was open, makes the running maps
// hold what the files say for every key written in it. It returns how
// many keys it set again.
func (m *Manager) closeLane(ctx context.Context) int {
	l := &m.lane
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.open {
		return 0
	}
	keys := l.keys
	l.open, l.keys = false, nil
	if m.reloads.Load() == l.reloadsAtOpen {
		return 0 // one generation of workers saw every write
	}
	n := 0
	paths := make([]string, 0, len(keys))
	for p := range keys {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, path := range paths {
		if err := m.resendKeys(ctx, path, keys[path]); err != nil {
			m.logf("map lane: setting again the %d keys written to %s during the reload: %v", len(keys[path]), path, err)
		}
		n += len(keys[path])
	}
	return n
}

// resendKeys makes the running map at path hold, for each of keys, what
// the file holds (the entry, or no entry). The caller holds the machine
// lock.
func (m *Manager) resendKeys(ctx context.Context, path string, keys map[string]struct{}) error {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	file := parseMapFile(string(data))
	rt := m.runtime()
	var errs []error
	for key := range keys {
		var err error
		if v, ok := file[key]; ok {
			err = rt.SetEntry(ctx, path, key, v)
		} else {
			err = rt.DeleteEntry(ctx, path, key)
		}
		if notLive(err) {
			return nil // not loaded: the next reload reads the file
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
