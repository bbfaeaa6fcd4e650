package agent

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// BuildRoot is where the provider uploads agents, one directory per build
// ("<version>-<16 hex>"). It must match internal/sshconn's remoteAgentRoot.
const BuildRoot = "/var/lib/switchyard/agent"

// pruneGrace spares directories changed this recently: another provider
// may be uploading into one right now (its upload creates the directory,
// then writes and renames the binary in it, each step touching its mtime).
const pruneGrace = 10 * time.Minute

// buildDirName is what sshconn's buildID makes; nothing else in BuildRoot
// is touched.
var buildDirName = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z._+-]{0,63}-[0-9a-f]{16}$`)

// PruneOldBuilds removes the agent builds that neither this agent nor the
// one before it (the newest other build directory) belong to, so upgrades
// do not fill the disk with ~10 MB each. Done by the agent, at start,
// rather than by the provider: no remote shell command is needed, and it
// only ever looks at directories next to its own. An agent that does not
// run from a build directory under BuildRoot (a test, a copy elsewhere)
// removes nothing.
func PruneOldBuilds(now time.Time) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("pruning old agents: %w", err)
	}
	return pruneFrom(BuildRoot, exe, now)
}

// pruneFrom prunes root's builds when exe is the agent of one of them.
func pruneFrom(root, exe string, now time.Time) error {
	self := filepath.Dir(exe)
	if filepath.Dir(self) != filepath.Clean(root) {
		return nil
	}
	return pruneBuilds(root, filepath.Base(self), now)
}

// pruneBuilds keeps self, the newest other build directory, and any build
// directory changed within pruneGrace before now; it removes the others.
func pruneBuilds(root, self string, now time.Time) error {
	entries, err := os.ReadDir(root)
	if err != nil {
		return fmt.Errorf("pruning old agents: %w", err)
	}
	type build struct {
		name  string
		mtime time.Time
	}
	var others []build
	for _, e := range entries {
		if !e.IsDir() || e.Name() == self || !buildDirName.MatchString(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile (another agent pruning)
		}
		others = append(others, build{e.Name(), info.ModTime()})
	}
	// Newest first; the name breaks ties so the choice does not depend on
	// the directory's order.
	slices.SortFunc(others, func(a, b build) int {
		if c := b.mtime.Compare(a.mtime); c != 0 {
			return c
		}
		return strings.Compare(b.name, a.name)
	})
	var errs []error
	for i, b := range others {
		if i == 0 || now.Sub(b.mtime) < pruneGrace {
			continue
		}
		if err := os.RemoveAll(filepath.Join(root, b.name)); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("pruning old agents: %w", err)
	}
	return nil
}
