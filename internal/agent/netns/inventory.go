package netns

import (
	"errors"
	"fmt"
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
// them, and those in Dir made by hand (`ip netns add`), which import with
// boot = false and so stay as they are, with no unit. A name the resource
// cannot hold is reported instead.
func (n *Namespaces) Inventory() (names []string, unsupported []api.InventoryItem, err error) {
	links, err := filepath.Glob(filepath.Join(n.wantsDir(), "switchyard-netns@*.service"))
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for _, l := range links {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(l), "switchyard-netns@"), ".service")
		if grammar.NamespaceName(name) == nil {
			seen[name] = true
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
		switch err := grammar.NamespaceName(e.Name()); {
		case seen[e.Name()]:
		case err != nil:
			unsupported = append(unsupported, api.InventoryItem{Kind: "namespace", Name: e.Name(),
				Reason: fmt.Sprintf("the name cannot be imported: %v", err)})
		default:
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, unsupported, nil
}
