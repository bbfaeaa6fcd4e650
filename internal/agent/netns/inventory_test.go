package netns

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNamespacesInventory(t *testing.T) {
	units, run := t.TempDir(), t.TempDir()
	wants := filepath.Join(units, "multi-user.target.wants")
	if err := os.MkdirAll(wants, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{Unit("blue"), Unit("gone"), "ssh.service"} {
		if err := os.Symlink("/dev/null", filepath.Join(wants, l)); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"blue", "handmade"} {
		if err := os.WriteFile(filepath.Join(run, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n := &Namespaces{UnitDir: units, Dir: run}
	names, bad, err := n.Inventory()
	if err != nil {
		t.Fatal(err)
	}
	// gone: enabled, deleted by hand; its unit brings it back, and import
	// (Get) accepts it, so it is listed.
	if diff := cmp.Diff([]string{"blue", "gone"}, names); diff != "" {
		t.Errorf("importable (-want +got):\n%s", diff)
	}
	if len(bad) != 1 || bad[0].Name != "handmade" || !strings.Contains(bad[0].Reason, "not made by Switchyard") {
		t.Errorf("unsupported = %+v, want only handmade", bad)
	}
}
