// Package atomicfile is the agent's one way to replace a file: readers
// (HAProxy, systemd, the next agent session) see the old bytes or the new
// ones, never a mix, and a crash at any point leaves one of the two on
// disk. The replaced file keeps its mode and owner, because a rename puts
// the temporary file's in its place.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Perm is a file's mode bits and owner.
type Perm struct {
	Mode fs.FileMode // permission bits only
	UID  int         // -1: whoever creates the file
	GID  int         // -1: whoever creates the file
}

// New is the Perm of a new file with mode, owned by the agent (root).
func New(mode fs.FileMode) Perm { return Perm{Mode: mode.Perm(), UID: -1, GID: -1} }

// Stat returns path's mode and owner.
func Stat(path string) (Perm, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Perm{}, err
	}
	p := Perm{Mode: st.Mode().Perm(), UID: -1, GID: -1}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		p.UID, p.GID = int(sys.Uid), int(sys.Gid)
	}
	return p, nil
}

// Apply sets path's mode and owner to p, in place (the content is not
// touched, so there is nothing to make atomic).
func Apply(path string, p Perm) error {
	if p.UID >= 0 || p.GID >= 0 {
		if err := os.Chown(path, p.UID, p.GID); err != nil {
			return err
		}
	}
	return os.Chmod(path, p.Mode)
}

// Write replaces path with data: a temporary file of a unique name in the
// same directory (so that the rename stays on one filesystem and two
// sessions writing the same file never share a temporary), fsync'ed, given
// the existing file's mode and owner (or def for a new file), renamed over
// path, and the directory fsync'ed so that the rename itself survives a
// crash. On error the temporary file is removed and path is untouched.
func Write(path string, data []byte, def Perm) error {
	perm, err := Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		perm = def
	case err != nil:
		return err
	}
	return WritePerm(path, data, perm)
}

// WritePerm is Write with the resulting mode and owner given, whatever the
// existing file has.
func WritePerm(path string, data []byte, perm Perm) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".switchyard-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", tmp.Name(), err)
	}
	if err := Apply(tmp.Name(), perm); err != nil {
		return fmt.Errorf("setting mode and owner of %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return SyncDir(dir)
}

// SyncDir fsyncs a directory, which makes a rename or removal in it durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		_ = d.Close()
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	return d.Close()
}
