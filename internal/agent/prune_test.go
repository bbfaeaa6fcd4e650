package agent

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPruneBuilds(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	const self = "v0.3.0-cccccccccccccccc"
	type entry struct {
		name string
		age  time.Duration
		file bool // a plain file instead of a directory
	}
	tests := []struct {
		name    string
		entries []entry
		want    []string // left in the root
	}{
		{
			name: "keeps self and the newest other",
			entries: []entry{
				{name: self, age: 30 * 24 * time.Hour}, // self is kept however old
				{name: "v0.2.0-bbbbbbbbbbbbbbbb", age: 2 * time.Hour},
				{name: "v0.1.0-aaaaaaaaaaaaaaaa", age: 3 * time.Hour},
				{name: "dev-0123456789abcdef", age: 4 * time.Hour},
			},
			want: []string{"v0.2.0-bbbbbbbbbbbbbbbb", self},
		},
		{
			name: "by modification time, not by name",
			entries: []entry{
				{name: self, age: time.Hour},
				{name: "v0.9.0-9999999999999999", age: 5 * time.Hour},
				{name: "v0.1.0-aaaaaaaaaaaaaaaa", age: 2 * time.Hour},
			},
			want: []string{"v0.1.0-aaaaaaaaaaaaaaaa", self},
		},
		{
			name: "recent directories are spared (an upload may be under way)",
			entries: []entry{
				{name: self, age: time.Hour},
				{name: "v0.2.0-bbbbbbbbbbbbbbbb", age: time.Minute},
				{name: "v0.3.1-dddddddddddddddd", age: 5 * time.Minute},
				{name: "v0.1.0-aaaaaaaaaaaaaaaa", age: 2 * time.Hour},
			},
			want: []string{"v0.2.0-bbbbbbbbbbbbbbbb", self, "v0.3.1-dddddddddddddddd"},
		},
		{
			name: "only build directories are touched",
			entries: []entry{
				{name: self, age: time.Hour},
				{name: "v0.2.0-bbbbbbbbbbbbbbbb", age: 2 * time.Hour},
				{name: "notes", age: 9 * time.Hour},
				{name: "v0.0.1-ABCDEF0123456789", age: 9 * time.Hour}, // not lower hex
				{name: "v0.0.2-0123456789abcdef", age: 9 * time.Hour, file: true},
				{name: ".upload-v0-0123456789abcdef", age: 9 * time.Hour},
			},
			want: []string{".upload-v0-0123456789abcdef", "notes", "v0.0.1-ABCDEF0123456789", "v0.0.2-0123456789abcdef", "v0.2.0-bbbbbbbbbbbbbbbb", self},
		},
		{
			name:    "alone",
			entries: []entry{{name: self, age: time.Hour}},
			want:    []string{self},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for _, e := range tt.entries {
				p := filepath.Join(root, e.name)
				if e.file {
					if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
						t.Fatal(err)
					}
				} else {
					// A binary inside, as uploaded: RemoveAll must take it too.
					if err := os.Mkdir(p, 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(p, "switchyard-agent"), []byte("agent"), 0o755); err != nil {
						t.Fatal(err)
					}
				}
				mtime := now.Add(-e.age)
				if err := os.Chtimes(p, mtime, mtime); err != nil {
					t.Fatal(err)
				}
			}
			if err := pruneBuilds(root, self, now); err != nil {
				t.Fatal(err)
			}
			entries, err := os.ReadDir(root)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range entries {
				got = append(got, e.Name())
			}
			sort.Strings(got)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("left (-want +got):\n%s", d)
			}
		})
	}
}

func TestPruneBuildsMissingRoot(t *testing.T) {
	if err := pruneBuilds(filepath.Join(t.TempDir(), "absent"), "x", time.Now()); err == nil {
		t.Error("no error for a root that does not exist")
	}
}

// Only an agent running from a build directory of the root prunes it.
func TestPruneFrom(t *testing.T) {
	old := time.Now().Add(-time.Hour)
	setup := func(t *testing.T) string {
		root := t.TempDir()
		for _, name := range []string{"v0.1.0-aaaaaaaaaaaaaaaa", "v0.2.0-bbbbbbbbbbbbbbbb", "v0.3.0-cccccccccccccccc"} {
			p := filepath.Join(root, name)
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
			old = old.Add(time.Minute)
		}
		return root
	}
	count := func(t *testing.T, root string) int {
		entries, err := os.ReadDir(root)
		if err != nil {
			t.Fatal(err)
		}
		return len(entries)
	}
	t.Run("from a build directory", func(t *testing.T) {
		root := setup(t)
		if err := pruneFrom(root, filepath.Join(root, "v0.3.0-cccccccccccccccc", "switchyard-agent"), time.Now()); err != nil {
			t.Fatal(err)
		}
		if n := count(t, root); n != 2 {
			t.Errorf("%d directories left, want 2", n)
		}
	})
	t.Run("from elsewhere", func(t *testing.T) {
		root := setup(t)
		elsewhere := filepath.Join(t.TempDir(), "v0.3.0-cccccccccccccccc", "switchyard-agent")
		if err := pruneFrom(root, elsewhere, time.Now()); err != nil {
			t.Fatal(err)
		}
		if n := count(t, root); n != 3 {
			t.Errorf("%d directories left, want all 3", n)
		}
	})
	t.Run("from the root itself", func(t *testing.T) {
		root := setup(t)
		if err := pruneFrom(root, filepath.Join(root, "switchyard-agent"), time.Now()); err != nil {
			t.Fatal(err)
		}
		if n := count(t, root); n != 3 {
			t.Errorf("%d directories left, want all 3", n)
		}
	})
}
