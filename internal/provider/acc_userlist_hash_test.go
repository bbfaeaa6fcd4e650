package provider

// Adopting a userlist whose users have `password <hash>` lines: Terraform
// writes a sensitive attribute as `null # sensitive` in
// -generate-config-out, so password_hash is not sensitive (a crypt hash is
// what haproxy.cfg itself holds); the generated configuration must keep the
// hash, validate and plan import only.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/GehirnInc/crypt/sha512_crypt"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"

	"github.com/switchyard/terraform-provider-switchyard/internal/tfrun"
)

func TestAccUserlist_hashedUserAdoption(t *testing.T) {
	m := testMachine(t)
	ul := acctest.RandomWithPrefix("acc-hash-ul")
	hash, err := sha512_crypt.New().Generate([]byte(acctest.RandString(16)), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeSectionsByHand(t, m, "userlist "+ul) })
	editConfig(t, m, func(cfg string) (string, error) {
		return cfg + fmt.Sprintf("\nuserlist %s\n  user ada password %s\n", ul, hash), nil
	})

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	tree := t.TempDir()
	writeFile(t, filepath.Join(tree, "main.tf"), fmt.Sprintf(`
terraform {
  required_providers {
    switchyard = { source = %q }
  }
}
%s
import {
  to = switchyard_userlist.adopted
  id = %q
}
`, tfrun.ProviderSource, providerBlock(m, ""), ul))
	w, err := tfrun.NewWorkspace(ctx, tree, ".", tfrun.Options{WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	p, err := w.Plan(ctx, "-generate-config-out=generated.tf")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changed) != 0 || !strings.Contains(p.Stdout, "1 to import, 0 to add, 0 to change, 0 to destroy") {
		t.Fatalf("the import plan is not import only: changed %v\n%s%s", p.Changed, p.Stdout, p.Stderr)
	}
	gen, err := os.ReadFile(filepath.Join(w.Dir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(oneLine(string(gen)), fmt.Sprintf("password_hash = %q", hash)) {
		t.Fatalf("generated.tf does not keep ada's hash:\n%s", gen)
	}
	if r, err := w.Run(ctx, "validate", "-no-color"); err != nil || r.ExitCode != 0 {
		t.Fatalf("the generated configuration does not validate: %v\n%s", err, r.String())
	}
	if r, err := w.Run(ctx, "apply", "-auto-approve", "-no-color", "-input=false"); err != nil || r.ExitCode != 0 ||
		!strings.Contains(r.Stdout, "1 imported, 0 added, 0 changed, 0 destroyed") {
		t.Fatalf("the import apply did more than import: %v\n%s", err, r.String())
	}
	if p, err := w.Plan(ctx); err != nil || p.ExitCode != 0 {
		t.Fatalf("the plan after import is not empty: %v\n%s", err, p.Stdout)
	}
}
