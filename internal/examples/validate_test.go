package examples

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/tfrun"
)

// TestAccExamples_validate runs `terraform validate` on every root module
// under examples/topologies, so the configurations that no lab test applies
// in every variant (the blue-green topology's canary by user, for one) still
// parse, type-check and pass the provider's own validation. It needs
// terraform and the provider (TF_ACC), not the lab.
func TestAccExamples_validate(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (needs terraform and the provider)")
	}
	repo, err := tfrun.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	examples := filepath.Join(repo, "examples")
	var roots []string
	err = filepath.WalkDir(filepath.Join(examples, "topologies"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".tf") {
			return err
		}
		rel, err := filepath.Rel(examples, filepath.Dir(p))
		if err == nil && !slices.Contains(roots, rel) {
			roots = append(roots, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(roots, filepath.Join("topologies", "blue-green")) {
		t.Fatalf("found root modules %v, want topologies/blue-green among them", roots)
	}
	for _, root := range roots {
		t.Run(root, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			w, err := tfrun.NewWorkspace(ctx, examples, root, tfrun.Options{WorkDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Get(ctx); err != nil {
				t.Fatal(err)
			}
			r, err := w.Run(ctx, "validate", "-no-color")
			if err != nil || r.ExitCode != 0 {
				t.Errorf("terraform validate %s: %v\n%s", root, err, r)
			}
		})
	}
}
