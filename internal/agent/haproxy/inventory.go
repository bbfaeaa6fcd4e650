package haproxy

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	parser "github.com/haproxytech/client-native/v5/config-parser"
	"github.com/haproxytech/client-native/v5/config-parser/types"
	"github.com/haproxytech/client-native/v5/configuration"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

// inventorySections are the section types client-native parses that a
// Switchyard resource owns, with the inventory list their names go to.
// global and defaults are switchyard_haproxy's and are not listed.
var inventorySections = []struct {
	section parser.Section
	kind    string
}{
	{parser.Frontends, "frontend"},
	{parser.Backends, "backend"},
	{parser.UserList, "userlist"},
	{parser.Cache, "cache"},
}

// unsupportedSections are every other section type client-native parses.
// client-native exports no list of its section types (they are plain
// constants; the parsers come from a fixed list in config-parser's
// createParsers), so this mirrors it. Reading the parser's Parsers map by
// reflection at run time would follow an upgrade by itself but break
// silently if the unexported layout changed, so the reflection is in a
// test instead (TestInventorySectionsCoverParser): it fails when an
// upgrade adds a section type that is in neither list, so a new kind can
// never be skipped without anyone noticing.
var unsupportedSections = []parser.Section{
	parser.Listen, parser.Resolvers, parser.Peers, parser.Mailers, parser.Program,
	parser.HTTPErrors, parser.Ring, parser.LogForward, parser.FCGIApp,
}

// Inventory lists the configuration's sections, map files and
// certificates: the names each resource's import accepts, and what no
// resource can represent.
func (m *Manager) Inventory() (api.Inventory, error) {
	inv := api.Inventory{}
	_, errCfg := os.Stat(m.opts.HAProxy.ConfigFile)
	_, errBin := os.Stat(m.opts.HAProxy.Binary)
	inv.HAProxy = errCfg == nil && errBin == nil
	if errCfg == nil {
		err := m.cfg.read(func(cl configuration.Configuration) error {
			return inventoryConfig(cl.Parser(), &inv)
		})
		if err != nil {
			return api.Inventory{}, apiError("inventory", err)
		}
	}
	if err := m.inventoryFiles(&inv); err != nil {
		return api.Inventory{}, apiError("inventory", err)
	}
	return inv, nil
}

func inventoryConfig(p parser.Parser, inv *api.Inventory) error {
	lists := map[string]*[]string{
		"frontend": &inv.Frontends, "backend": &inv.Backends,
		"userlist": &inv.Userlists, "cache": &inv.Caches,
	}
	for _, s := range inventorySections {
		names, err := sectionNames(p, s.section)
		if err != nil {
			return err
		}
		for _, name := range names {
			if err := grammar.ProxyName(name); err != nil {
				inv.Unsupported = append(inv.Unsupported, api.InventoryItem{Kind: s.kind, Name: name,
					Reason: fmt.Sprintf("the name cannot be imported: %v", err)})
				continue
			}
			*lists[s.kind] = append(*lists[s.kind], name)
			for _, line := range unprocessedLines(p, s.section, name) {
				inv.Unsupported = append(inv.Unsupported, api.InventoryItem{Kind: s.kind + "_line", Name: name + ": " + line,
					Reason: lineReason(s.kind, line)})
			}
		}
	}
	for _, s := range unsupportedSections {
		names, err := sectionNames(p, s)
		if err != nil {
			return err
		}
		for _, name := range names {
			inv.Unsupported = append(inv.Unsupported, api.InventoryItem{Kind: string(s), Name: name,
				Reason: fmt.Sprintf("Switchyard has no resource for `%s` sections", s)})
		}
	}
	return nil
}

// lineReason says why a line client-native does not parse is reported:
// no attribute models it, so an imported resource neither shows nor
// manages it (it stays in the file as written); and whether the
// resource's extra_lines could own it instead.
func lineReason(kind, line string) string {
	why := fmt.Sprintf("client-native does not parse this line, so no attribute of switchyard_%s models it and Terraform would not manage it", kind)
	switch kind {
	case grammar.SectionBackend, grammar.SectionFrontend:
		if err := grammar.ExtraLine(kind, line); err != nil {
			return why + "; extra_lines cannot own it either: " + err.Error()
		}
		return why + "; to manage it, move it into the resource's extra_lines"
	}
	return why + "; switchyard_" + kind + " has no extra_lines"
}

// sectionNames returns the sorted names of sections of type s; none is an
// empty list, not an error.
func sectionNames(p parser.Parser, s parser.Section) ([]string, error) {
	names, err := p.SectionsGet(s)
	if err != nil {
		// ErrSectionMissing: the file has no section of that type.
		return nil, nil //nolint:nilerr // a missing section type is an empty list
	}
	slices.Sort(names)
	return names, nil
}

// unprocessedLines are a section's lines that no client-native parser
// took: they land in its catch-all UnProcessed parser (named ""), which
// Switchyard's typed attributes never read. Lines inside the extra_lines
// block are the config snippet's, not these.
func unprocessedLines(p parser.Parser, s parser.Section, name string) []string {
	data, err := p.Get(s, name, "")
	if err != nil {
		return nil
	}
	raw, ok := data.([]types.UnProcessed)
	if !ok {
		return nil
	}
	var out []string
	for _, u := range raw {
		if v := strings.TrimSpace(u.Value); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// inventoryFiles lists map files (and their keys) and certificates.
func (m *Manager) inventoryFiles(inv *api.Inventory) error {
	maps, err := filepath.Glob(filepath.Join(m.opts.HAProxy.MapsDir, "*.map"))
	if err != nil {
		return err
	}
	for _, path := range maps {
		name := strings.TrimSuffix(filepath.Base(path), ".map")
		if err := checkMapName(name); err != nil {
			inv.Unsupported = append(inv.Unsupported, api.InventoryItem{Kind: "map", Name: name,
				Reason: fmt.Sprintf("the name cannot be imported: %v", err)})
			continue
		}
		inv.Maps = append(inv.Maps, name)
		data, err := m.readMapFile(name)
		if err != nil {
			return err
		}
		for key := range parseMapFile(data) {
			inv.MapEntries = append(inv.MapEntries, name+"/"+key)
		}
	}
	certs, err := filepath.Glob(filepath.Join(m.CertsDir(), "*.pem"))
	if err != nil {
		return err
	}
	for _, path := range certs {
		name := strings.TrimSuffix(filepath.Base(path), ".pem")
		if err := grammar.CertificateName(name); err != nil {
			inv.Unsupported = append(inv.Unsupported, api.InventoryItem{Kind: "certificate", Name: name,
				Reason: fmt.Sprintf("the name cannot be imported: %v", err)})
			continue
		}
		inv.Certificates = append(inv.Certificates, name)
	}
	slices.Sort(inv.MapEntries)
	return nil
}
