package tfrun

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestWorkspace runs the real terraform CLI on testdata/tree (built-in
// terraform_data only, so no provider is needed) through apply, a plan
// with no changes (exit 0), a changed variable (exit 2, the resource named)
// and destroy.
func TestWorkspace(t *testing.T) {
	tf, err := TerraformPath()
	if err != nil {
		t.Skipf("no terraform binary: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w, err := NewWorkspace(ctx, "testdata/tree", "root", Options{Terraform: tf, ProviderDir: t.TempDir(), WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Get(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteVars(map[string]any{"value": "one"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	out, err := w.Output(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var v string
	if err := json.Unmarshal(out["value"], &v); err != nil || v != "one" {
		t.Fatalf("output value = %s (%v), want \"one\"", out["value"], err)
	}

	p, err := w.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.ExitCode != 0 || len(p.Changed) != 0 {
		t.Fatalf("plan after apply: exit %d, changed %v; want 0 and none\n%s", p.ExitCode, p.Changed, p.Result)
	}

	if err := w.WriteVars(map[string]any{"value": "two"}); err != nil {
		t.Fatal(err)
	}
	p, err = w.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.ExitCode != 2 {
		t.Fatalf("plan after a change: exit %d, want 2\n%s", p.ExitCode, p.Result)
	}
	if diff := cmp.Diff([]string{"module.m.terraform_data.this"}, p.Changed); diff != "" {
		t.Errorf("changed resources (-want +got):\n%s", diff)
	}

	if _, err := w.Destroy(ctx); err != nil {
		t.Fatal(err)
	}
}
