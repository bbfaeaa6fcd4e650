package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWriteTree(t *testing.T) {
	root := t.TempDir()
	if err := writeTree(root, "bench-", []int{10, 500}); err != nil {
		t.Fatal(err)
	}
	var got []string
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			got = append(got, rel)
		}
		return nil
	})
	want := []string{"fixture/main.tf", "fixture-floor/main.tf", "floor-10/main.tf", "floor-500/main.tf", "switchyard-10/main.tf", "switchyard-500/main.tf"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("files (-want +got):\n%s", d)
	}
	floor, _ := os.ReadFile(filepath.Join(root, "floor-500/main.tf"))
	if !strings.Contains(string(floor), "count = 1001") {
		t.Errorf("the floor for N=500 must have 2N+1 = 1001 resources:\n%s", floor)
	}
	sy, _ := os.ReadFile(filepath.Join(root, "switchyard-500/main.tf"))
	for _, want := range []string{`count = 500`, `name    = "bench-routes"`, `map   = "bench-entries"`, `format("bench-%04d", count.index)`} {
		if !strings.Contains(string(sy), want) {
			t.Errorf("switchyard-500 lacks %q:\n%s", want, sy)
		}
	}
}
