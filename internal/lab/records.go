package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

const (
	recordsFile    = "lab.json"
	recordsVersion = 1
	machinesDir    = "machines"

	stateStarting = "starting"
	stateRunning  = "running"
)

// records is lab.json: every resource the lab creates on the box. Up writes
// a resource's record before creating it, so a crash at any point leaves
// nothing that Down does not know about; Down checks each one still exists
// before removing it, so it can run any number of times.
type records struct {
	Version int    `json:"version"`
	State   string `json:"state"` // stateStarting until every machine is healthy
	Dir     string `json:"dir"`
	Base    string `json:"base"` // base image, the overlays' lower layer (a cache: never removed by Down)
	Subnet  string `json:"subnet"`
	Gateway string `json:"gateway"` // the bridge's address
	Bridge  string `json:"bridge"`  // created by the lab in the root namespace

	// NetnsDirMountedByLab: /run/netns was not a mount point before the
	// lab's first `ip netns add` made it one, so Down unmounts it if empty.
	NetnsDirMountedByLab bool `json:"netns_dir_mounted_by_lab"`

	// NspawnRunDirCreatedByLab: /run/systemd/nspawn did not exist before
	// the lab's first nspawn made it, so Down removes it once empty
	// (nspawn leaves empty locks/ and propagate/ there).
	NspawnRunDirCreatedByLab bool `json:"nspawn_run_dir_created_by_lab"`

	PrivateKeyPath string          `json:"private_key_path"`
	KnownHostsPath string          `json:"known_hosts_path"`
	Machines       []machineRecord `json:"machines"`

	mu sync.Mutex // machines start in parallel and each saves its progress
}

// machineRecord is one machine: its public face plus what it is made of.
type machineRecord struct {
	Machine
	Netns      string   `json:"netns"` // /run/netns/<Netns>
	Veth       string   `json:"veth"`  // host end in the root namespace, on the bridge
	MachineDir string   `json:"machine_dir"`
	Root       string   `json:"root"` // overlay mount point
	Upper      string   `json:"upper"`
	Work       string   `json:"work"`
	Cgroups    []string `json:"cgroups"` // one per hierarchy, the machine's processes live there
	ConsoleLog string   `json:"console_log"`

	// PID is the systemd-nspawn process; PIDStart its start time in clock
	// ticks since boot (/proc/PID/stat field 22), so a reused PID is never
	// mistaken for it. Zero until it has been started.
	PID      int    `json:"pid,omitempty"`
	PIDStart uint64 `json:"pid_start,omitempty"`
}

func (r *records) path() string { return filepath.Join(r.Dir, recordsFile) }

func (r *records) machine(name string) *machineRecord {
	for i := range r.Machines {
		if r.Machines[i].Name == name {
			return &r.Machines[i]
		}
	}
	return nil
}

// save writes the records atomically (temp file, fsync, rename), so a crash
// leaves either the old or the new version, never half of one.
func (r *records) save() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.saveLocked()
}

// update applies f and saves, under the lock.
func (r *records) update(f func()) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	f()
	return r.saveLocked()
}

func (r *records) saveLocked() error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(r.path(), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write lab records: %w", err)
	}
	return nil
}

func readRecords(dir string) (*records, error) {
	p := filepath.Join(dir, recordsFile)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	r := &records{}
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("parse %s: %w", p, err)
	}
	if r.Version != recordsVersion {
		return nil, fmt.Errorf("%s has version %d, this lab understands %d", p, r.Version, recordsVersion)
	}
	// The records are found through dir; trust that over a moved directory's old path.
	r.Dir = dir
	return r, nil
}

// writeFileAtomic replaces path with data via a temp file in the same dir.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() { _ = os.Remove(tmp) }() // no-op after the rename
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// lockFile takes an exclusive flock on path, polling until ctx ends, so two
// lab commands never work on one lab at the same time. The lock dies with
// the process, so a crash never leaves it held.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			_ = f.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, fmt.Errorf("another switchyard-lab command holds %s: %w", path, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
