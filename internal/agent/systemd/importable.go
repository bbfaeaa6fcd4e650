package systemd

import (
	"bytes"
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

// Importable is the rule for adopting an existing unit file: switchyard_service
// can represent it only if rendering what Parse reads from it gives back the
// very same bytes. Parse ignores lines it does not know, so anything weaker
// would let an import silently drop a hand-written line (an ExecStartPre, a
// LimitNOFILE) at the next apply. The error names the first line that differs.
func Importable(data []byte) error {
	s, err := Parse(data)
	if err != nil {
		return err
	}
	want, err := Render(s)
	if err != nil {
		return err
	}
	if bytes.Equal(want, data) {
		return nil
	}
	got, exp := strings.Split(string(data), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(got), len(exp)) {
		g, e := at(got, i), at(exp, i)
		if g != e {
			return fmt.Errorf("line %d is %q where switchyard_service would write %q; it has settings the resource does not model", i+1, g, e)
		}
	}
	return fmt.Errorf("the unit differs from what switchyard_service would write")
}

// CheckImportable applies Importable to the unit of service name: nil when
// switchyard_service can adopt it, CodeInvalid naming the file and the
// first line it cannot represent otherwise (CodeNotFound without a file).
func (v *Services) CheckImportable(name string) error {
	data, err := os.ReadFile(v.unitPath(name))
	if errors.Is(err, fs.ErrNotExist) {
		return api.Errorf(api.CodeNotFound, "service %q does not exist (%s)", name, v.unitPath(name))
	}
	if err != nil {
		return err
	}
	if err := Importable(data); err != nil {
		return api.Errorf(api.CodeInvalid, "service %q cannot be imported: %s: %v. "+
			"Importing it would drop what the resource does not model at the next apply; "+
			"leave it unmanaged, or remove it and create it with switchyard_service", name, v.unitPath(name), err)
	}
	return nil
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(end of file)"
}

// Inventory sorts the service units in the unit directory into those
// switchyard_service can import (by Importable) and the rest, with why.
// Symlinks (masks, aliases) and templates are not services one can import.
func (v *Services) Inventory() (names []string, unsupported []api.InventoryItem, err error) {
	entries, err := os.ReadDir(v.unitDir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	for _, e := range entries {
		file := e.Name()
		name, ok := strings.CutSuffix(file, ".service")
		if !ok || !e.Type().IsRegular() || strings.HasSuffix(name, "@") {
			continue
		}
		bad := func(reason string) {
			unsupported = append(unsupported, api.InventoryItem{Kind: "service", Name: name, Reason: reason})
		}
		if err := grammar.ServiceName(name); err != nil {
			bad(fmt.Sprintf("the name cannot be imported: %v", err))
			continue
		}
		data, err := os.ReadFile(filepath.Join(v.unitDir(), file))
		if err != nil {
			return nil, nil, err
		}
		// The same rule as CheckImportable, so a listed service imports.
		if err := Importable(data); err != nil {
			bad(fmt.Sprintf("%s: %v", filepath.Join(v.unitDir(), file), err))
			continue
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return names, unsupported, nil
}
