package haproxy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/atomicfile"
)

// The commit-then-crash window. A batch writes haproxy.cfg first and
// reloads HAProxy after; an agent killed in between (its SSH connection
// cut, the machine's OOM killer, a terraform run interrupted) leaves a file
// that HAProxy does not run, and nothing on the machine would say so: Read
// looks at the file, so the plan would even agree with it.
//
// So before a batch touches the file, the agent records what HAProxy runs
// (the file's bytes as they are, which the previous batch confirmed live)
// in a pending record, and removes the record once the batch's outcome is
// live: reloaded and confirmed, restored, or nothing written at all. A
// record found by the next session means the last batch never finished;
// that session reloads the file under the machine lock (and restores the
// recorded bytes if HAProxy does not take it), so the machine converges
// with no manual step and without waiting for the next change.

// pendingRecord is the record's JSON.
type pendingRecord struct {
	ConfigFile string    `json:"config_file"`
	RunningSHA string    `json:"running_sha256"` // of the bytes in PrevFile
	PrevFile   string    `json:"prev_file"`
	Started    time.Time `json:"started"`
}

func (m *Manager) pendingPaths() (record, prev string) {
	dir := m.opts.PendingDir
	return filepath.Join(dir, "haproxy.pending.json"), filepath.Join(dir, "haproxy.cfg.running")
}

// markPending records running (the bytes HAProxy runs now) before a batch
// writes the file.
func (m *Manager) markPending(running []byte) error {
	recPath, prevPath := m.pendingPaths()
	if err := os.MkdirAll(m.opts.PendingDir, 0o700); err != nil {
		return fmt.Errorf("recording the batch: %w", err)
	}
	// The copy may hold password hashes: root only.
	if err := atomicfile.WritePerm(prevPath, running, atomicfile.New(0o600)); err != nil {
		return fmt.Errorf("recording the running configuration: %w", err)
	}
	sum := sha256.Sum256(running)
	rec, err := json.Marshal(pendingRecord{
		ConfigFile: m.opts.HAProxy.ConfigFile, RunningSHA: hex.EncodeToString(sum[:]), PrevFile: prevPath, Started: time.Now().UTC(),
	})
	if err != nil {
		return err
	}
	return atomicfile.WritePerm(recPath, rec, atomicfile.New(0o600))
}

// clearPending removes the record once a batch's outcome is live.
func (m *Manager) clearPending() {
	recPath, prevPath := m.pendingPaths()
	for _, p := range []string{recPath, prevPath} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			m.logf("removing %s: %v", p, err)
		}
	}
}

// recoverPending finishes a batch that an earlier session left between
// writing the file and confirming the reload. The caller holds the machine
// lock. It returns what it did, for the agent's log ("" when there was
// nothing to do).
func (m *Manager) recoverPending(ctx context.Context) (string, error) {
	recPath, _ := m.pendingPaths()
	data, err := os.ReadFile(recPath)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var rec pendingRecord
	running, ok := m.readPending(data, &rec)
	if !ok {
		// Unreadable, about another file (other settings), or without its
		// copy: nothing this session can finish safely.
		m.clearPending()
		return "dropped an unusable pending record", nil
	}
	current, err := os.ReadFile(rec.ConfigFile)
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", rec.ConfigFile, err)
	}
	sum := sha256.Sum256(current)
	if hex.EncodeToString(sum[:]) == rec.RunningSHA {
		// The batch never wrote the file (or put it back): HAProxy runs
		// what the file says.
		m.clearPending()
		return "", nil
	}
	// The file holds a validated change that HAProxy may not run yet.
	if err := m.reload(ctx); err != nil {
		rerr := m.restore(ctx, rec.ConfigFile, running)
		m.clearPending()
		if rerr != nil {
			return "", fmt.Errorf("an interrupted change (started %s) did not reload (%v), and restoring the previous configuration failed: %w",
				rec.Started.Format(time.RFC3339), err, rerr)
		}
		return fmt.Sprintf("an interrupted change (started %s) did not reload, so the configuration from before it was restored: %v",
			rec.Started.Format(time.RFC3339), err), nil
	}
	m.clearPending()
	return fmt.Sprintf("an interrupted change (started %s) was written but not reloaded: reloaded now", rec.Started.Format(time.RFC3339)), nil
}

// readPending decodes a record and reads the copy it names; ok is false
// when either is unusable for this session's configuration file.
func (m *Manager) readPending(data []byte, rec *pendingRecord) (running []byte, ok bool) {
	if json.Unmarshal(data, rec) != nil || rec.ConfigFile != m.opts.HAProxy.ConfigFile {
		return nil, false
	}
	running, err := os.ReadFile(rec.PrevFile)
	return running, err == nil
}
