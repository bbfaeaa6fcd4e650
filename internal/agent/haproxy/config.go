package haproxy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/haproxytech/client-native/v5/configuration"
	cnopts "github.com/haproxytech/client-native/v5/configuration/options"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/atomicfile"
)

// config wraps client-native's configuration client for one haproxy.cfg.
//
// client-native parses the file once, in configuration.New, and afterwards
// answers every read from that in-memory parser; only its own commits replace
// it. A hand edit of the file would stay invisible for the whole session, and
// drift detection depends on seeing it. So before every use the file is read
// and hashed, and when the hash differs from the bytes the parser holds, the
// parser re-processes exactly those bytes. Reading and hashing a config of a
// few KiB is cheap next to a parse; a re-parse only happens after a change (see
// BenchmarkRefresh), which is far cheaper than a new client per read
// (configuration.New also runs `haproxy -v`).
//
// mu serialises every use of the client: the parser is not safe for a
// refresh concurrent with reads, and reads are fast.
type config struct {
	path      string
	candidate string // scratch file for `haproxy -c`
	binary    string

	mu     sync.Mutex
	client configuration.Configuration
	sum    [sha256.Size]byte // hash of the bytes the master parser holds

	lastCheck time.Duration // how long the last transact's `haproxy -c` took (for the batch log)

	// secretGroup is the group that may read a configuration holding
	// password hashes (see configPerm); a variable for tests.
	secretGroup func() int

	// logf is the agent's log (notes on how a commit wrote the file).
	logf func(format string, args ...any)
}

func newConfig(ctx context.Context, path, binary, txDir string) (*config, error) {
	if err := os.MkdirAll(txDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating transaction directory: %w", err)
	}
	client, err := configuration.New(ctx,
		cnopts.ConfigurationFile(path),
		cnopts.HAProxyBin(binary),
		cnopts.TransactionsDir(txDir),
		// Models validation rejects malformed values (whitespace in names,
		// ports out of range, unknown balance algorithms) before they reach
		// the file.
		cnopts.UseModelsValidation,
		// Failed transaction files would pile up in txDir forever.
		cnopts.SkipFailedTransactions,
		// We run `haproxy -c` ourselves before committing (validate.go) to
		// keep HAProxy's messages verbatim; client-native would reduce them
		// to its own line=N msg="…" summary.
		cnopts.SkipConfigurationFileValidation,
	)
	if err != nil {
		return nil, fmt.Errorf("opening %s with client-native: %w", path, err)
	}
	c := &config{
		path:        path,
		candidate:   filepath.Join(txDir, filepath.Base(path)+".candidate"),
		binary:      binary,
		client:      client,
		secretGroup: haproxyGroup,
		logf:        func(string, ...any) {},
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.refreshLocked(); err != nil {
		return nil, err
	}
	return c, nil
}

// refreshLocked makes the master parser hold what is on disk now.
func (c *config) refreshLocked() error {
	data, err := os.ReadFile(c.path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", c.path, err)
	}
	sum := sha256.Sum256(data)
	if sum == c.sum {
		return nil
	}
	// Process re-initialises the parser, so this is a full re-read; it uses
	// the very bytes that were hashed, so hash and parser cannot disagree.
	if err := c.client.Parser().Process(bytes.NewReader(data)); err != nil {
		return fmt.Errorf("parsing %s: %w", c.path, err)
	}
	c.sum = sum
	return nil
}

// read runs fn against the configuration as it is on disk now.
func (c *config) read(fn func(cl configuration.Configuration) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.refreshLocked(); err != nil {
		return err
	}
	return fn(c.client)
}

// applyFunc changes the configuration inside transaction txID.
type applyFunc func(cl configuration.Configuration, txID string) error

// errNoChange reports a transaction that left the configuration as it was:
// nothing is written and nothing needs a reload.
var errNoChange = errors.New("no change")

// transact applies fns in one client-native transaction, validates the
// result with `haproxy -c` and commits it to the file. The caller holds the
// machine lock. A failing fn or a rejected validation leaves the file as it
// was. It returns errNoChange when the result equals the current file.
func (c *config) transact(ctx context.Context, fns ...applyFunc) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.refreshLocked(); err != nil {
		return err
	}
	version, err := c.client.GetVersion("")
	if err != nil {
		return fmt.Errorf("reading configuration version: %w", err)
	}
	tx, err := c.client.StartTransaction(version)
	if err != nil {
		return fmt.Errorf("starting transaction: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = c.client.DeleteTransaction(tx.ID)
		}
	}()
	txParser, err := c.client.GetParser(tx.ID)
	if err != nil {
		return fmt.Errorf("reading transaction: %w", err)
	}
	// The transaction's own rendering before and after the changes: the
	// master parser renders `from` clauses the transaction parser does not
	// (see unchanged), so only these two compare.
	before := txParser.String()
	for _, fn := range fns {
		if err := fn(c.client, tx.ID); err != nil {
			return err
		}
	}
	after := txParser.String()
	if withoutVersion(after) == withoutVersion(before) {
		return errNoChange
	}
	perm, err := atomicfile.Stat(c.path)
	if err != nil {
		return fmt.Errorf("reading the mode of %s: %w", c.path, err)
	}
	orig, err := os.ReadFile(c.path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", c.path, err)
	}
	// The file keeps its own style: only the lines of the objects that
	// changed are rewritten (keepstyle.go). client-native's commit would
	// write the whole file in its canonical form, so the file is written
	// here and the transaction is only the model of the change.
	data, notes := keepStyle(string(orig), before, after)
	for _, n := range notes {
		c.logf("%s: %s", c.path, n)
	}
	if err := os.WriteFile(c.candidate, []byte(data), 0o600); err != nil {
		return fmt.Errorf("writing candidate configuration: %w", err)
	}
	// The candidate holds what the file will: a leftover is overwritten by
	// the next transaction, so a failed removal needs no answer.
	defer func() { _ = os.Remove(c.candidate) }()
	checkStart := time.Now()
	err = checkConfig(ctx, c.binary, c.candidate)
	c.lastCheck = time.Since(checkStart)
	if err != nil {
		return err
	}
	if err := checkNewBindsFree(c.client, tx.ID); err != nil {
		return err
	}
	// The file may or may not be written when this fails, so the parser
	// re-reads it either way.
	c.sum = [sha256.Size]byte{}
	if err := atomicfile.WritePerm(c.path, []byte(data), configPerm(perm, []byte(data), c.secretGroup)); err != nil {
		return fmt.Errorf("writing %s: %w", c.path, err)
	}
	// The master parser learns the new file from the file itself, so what
	// it holds is what HAProxy will read.
	if err := c.refreshLocked(); err != nil {
		return err
	}
	return nil
}

// unchanged reports whether fns, applied in a transaction that is then
// thrown away, leave the configuration as it is.
func (c *config) unchanged(fns ...applyFunc) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.refreshLocked(); err != nil {
		return false, err
	}
	version, err := c.client.GetVersion("")
	if err != nil {
		return false, fmt.Errorf("reading configuration version: %w", err)
	}
	tx, err := c.client.StartTransaction(version)
	if err != nil {
		return false, fmt.Errorf("starting transaction: %w", err)
	}
	defer func() { _ = c.client.DeleteTransaction(tx.ID) }()
	txParser, err := c.client.GetParser(tx.ID)
	if err != nil {
		return false, fmt.Errorf("reading transaction: %w", err)
	}
	// Compared with the transaction's own starting point, not the master
	// parser: on a file client-native has not written yet, the master
	// parser renders `from` clauses the transaction parser does not, and
	// client-native adds its `# _version` line on the first edit.
	start := withoutVersion(txParser.String())
	for _, fn := range fns {
		if err := fn(c.client, tx.ID); err != nil {
			return false, err
		}
	}
	return withoutVersion(txParser.String()) == start, nil
}

// withoutVersion drops client-native's `# _version=N` line.
func withoutVersion(cfg string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(cfg, "\n") {
		if !strings.HasPrefix(line, "# _version=") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// forget makes the next use re-parse the file, after a failure that may
// have left the parser in any state.
func (c *config) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sum = [sha256.Size]byte{}
}

// writeConfig replaces the configuration file with data (restoring the
// file from before a batch) under the same mode rule as a commit.
func (c *config) writeConfig(data []byte) error {
	perm, err := atomicfile.Stat(c.path)
	if errors.Is(err, fs.ErrNotExist) {
		perm = atomicfile.New(0o644)
	} else if err != nil {
		return err
	}
	return atomicfile.WritePerm(c.path, data, configPerm(perm, data, c.secretGroup))
}

// configPerm is the mode and owner haproxy.cfg gets after every commit and
// restore. The rule: it keeps the mode and owner it had before; and while it
// holds userlist password hashes (`password` lines in a userlist section)
// it is at most 0640, group `haproxy` when that group exists (root
// otherwise), so no other account can read the hashes. HAProxy's master
// runs as root and reads the file whatever its mode.
func configPerm(prev atomicfile.Perm, data []byte, secretGroup func() int) atomicfile.Perm {
	if !hasPasswords(data) {
		return prev
	}
	p := prev
	p.Mode &= 0o640
	p.GID = secretGroup()
	return p
}

// hasPasswords reports a `user … password …` or `insecure-password` line
// in a userlist section.
func hasPasswords(data []byte) bool {
	inUserlist := false
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' && sectionKeywords[fields[0]] {
			inUserlist = fields[0] == "userlist"
			continue
		}
		if inUserlist && fields[0] == "user" && (slices.Contains(fields, "password") || slices.Contains(fields, "insecure-password")) {
			return true
		}
	}
	return false
}

// sectionKeywords start a section of haproxy.cfg.
var sectionKeywords = map[string]bool{
	"global": true, "defaults": true, "frontend": true, "backend": true, "listen": true, "userlist": true,
	"peers": true, "resolvers": true, "mailers": true, "program": true, "http-errors": true, "ring": true,
	"cache": true, "fcgi-app": true, "log-forward": true,
}

// haproxyGroup is the gid of the `haproxy` group, 0 (root) without one.
func haproxyGroup() int {
	g, err := user.LookupGroup(haproxyUser)
	if err != nil {
		return 0
	}
	gid, err := strconv.Atoi(g.Gid)
	if err != nil {
		return 0
	}
	return gid
}
