package netns

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

// Inventory lists the namespaces switchyard_namespace can import: those
// whose unit is enabled (Ensure's enable link), as the drop-in's glob finds
// them. A namespace in Dir without that link was not made by Switchyard:
// importing it would adopt something another tool (or a hand `ip netns
// add`) owns, so it is reported instead.
func (n *Namespaces) Inventory() (names []string, unsupported []api.InventoryItem, err error) {
	links, err := filepath.Glob(filepath.Join(n.wantsDir(), "switchyard-netns@*.service"))
	if err != nil {
		return nil, nil, err
	}
	managed := map[string]bool{}
	for _, l := range links {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(l), "switchyard-netns@"), ".service")
		if grammar.NamespaceName(name) == nil {
			managed[name] = true
			names = append(names, name)
		}
	}
	dir := n.Dir
	if dir == "" {
		dir = Dir
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	for _, e := range entries {
		if !managed[e.Name()] {
			unsupported = append(unsupported, api.InventoryItem{Kind: "namespace", Name: e.Name(),
				Reason: "not made by Switchyard (no enabled " + Unit(e.Name()) + "); switchyard_namespace would take over a namespace another tool owns"})
		}
	}
	slices.Sort(names)
	return names, unsupported, nil
}
