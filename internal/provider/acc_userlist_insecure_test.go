package provider

// Adopting the article's userlist, whose users have `insecure-password`
// lines (plaintext in haproxy.cfg), with the real terraform CLI as a person
// runs it: an import block and `terraform plan -generate-config-out`, then
// the conversion to hashes. The plaintext must never reach Terraform's
// state, plan or logs; basic auth must keep accepting the same passwords.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/GehirnInc/crypt/sha512_crypt"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"

	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
	"github.com/switchyard/terraform-provider-switchyard/internal/tfrun"
)

func TestAccUserlist_insecurePasswordAdoption(t *testing.T) {
	m := testMachine(t)
	ul := acctest.RandomWithPrefix("acc-insecure-ul")
	fe := acctest.RandomWithPrefix("acc-insecure-fe")
	be := acctest.RandomWithPrefix("acc-insecure-be")
	const port = 8174
	// Unique per run, so finding one in a file can only come from this run.
	vipPass := fmt.Sprintf("ipaygoodmoneyforthis%06d", rand.IntN(1000000))
	johnPass := fmt.Sprintf("somePassword%06d", rand.IntN(1000000))
	hand := fmt.Sprintf(`
backend %[1]s
  server app 127.0.0.1:8080

userlist %[2]s
  group gold
  user vip insecure-password %[4]s groups gold
  user john insecure-password %[5]s

frontend %[3]s
  bind %[6]s:%[7]d
  http-request auth realm insecure unless { http_auth(%[2]s) }
  default_backend %[1]s
`, be, ul, fe, vipPass, johnPass, m.Address, port)
	t.Cleanup(func() {
		removeSectionsByHand(t, m, "frontend "+fe, "userlist "+ul, "backend "+be)
	})
	editConfig(t, m, func(cfg string) (string, error) { return cfg + hand, nil })
	url := feFrontendURL(m, port, "/")
	answers := func(when string) {
		t.Helper()
		for _, c := range []struct {
			user, pass string
			status     int
		}{{"vip", vipPass, 200}, {"john", johnPass, 200}, {"vip", johnPass, 401}, {"john", "wrong", 401}, {"", "", 401}} {
			if err := feTestCheckAnswers(url, c.user, c.pass, c.status, 8080, m.Name)(nil); err != nil {
				t.Fatalf("%s: %v", when, err)
			}
		}
	}
	// The hand edit's reload returns before the new worker listens: wait
	// (bounded) for the frontend to answer at all.
	for i := 0; ; i++ {
		if _, _, _, err := feFetch(url, "", ""); err == nil {
			break
		} else if i == 50 {
			t.Fatalf("the hand-written frontend does not answer: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	answers("as written by hand")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
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
	logFile := filepath.Join(t.TempDir(), "terraform.log")
	w, err := tfrun.NewWorkspace(ctx, tree, ".", tfrun.Options{WorkDir: t.TempDir(), Env: []string{"TF_LOG=trace", "TF_LOG_PATH=" + logFile}})
	if err != nil {
		t.Fatal(err)
	}
	// Everything Terraform printed, by command, to search for the plaintext.
	outputs := map[string]string{}
	printed := func(r tfrun.Result) {
		outputs["the output of terraform "+strings.Join(r.Args, " ")] += r.Stdout + r.Stderr
	}
	run := func(args ...string) tfrun.Result {
		t.Helper()
		r, err := w.Run(ctx, args...)
		if err != nil {
			t.Fatal(err)
		}
		printed(r)
		return r
	}
	must := func(args ...string) tfrun.Result {
		t.Helper()
		r := run(args...)
		if r.ExitCode != 0 {
			t.Fatal(r.String())
		}
		return r
	}
	// plan runs plan -detailed-exitcode and keeps its JSON form.
	plan := func(args ...string) tfrun.Plan {
		t.Helper()
		p, err := w.Plan(ctx, args...)
		printed(p.Result)
		if err != nil {
			t.Fatal(err)
		}
		must("show", "-json", filepath.Join(w.Dir, "switchyard.tfplan"))
		return p
	}
	noPlaintext := func(when string) {
		t.Helper()
		kept := map[string]string{}
		for _, f := range []string{"terraform.tfstate", "terraform.tfstate.backup", "generated.tf"} {
			if b, err := os.ReadFile(filepath.Join(w.Dir, f)); err == nil {
				kept[f] = string(b)
			}
		}
		log, err := os.ReadFile(logFile)
		if err != nil || len(log) == 0 {
			t.Fatalf("no TF_LOG=trace log at %s: %v", logFile, err)
		}
		kept["TF_LOG=trace log"] = string(log)
		for cmd, out := range outputs {
			kept[cmd] = out
		}
		if !strings.Contains(kept["TF_LOG=trace log"], "switchyard") {
			t.Fatalf("the trace log holds nothing of the provider: not a real test of the logs")
		}
		for what, text := range kept {
			for _, p := range []string{vipPass, johnPass} {
				if strings.Contains(text, p) {
					t.Errorf("%s: the plaintext password is in %s", when, what)
				}
			}
		}
	}

	// 1. Import with a generated configuration: import only, the warning
	// that tells how to convert, for each user.
	p := plan("-generate-config-out=generated.tf")
	if len(p.Changed) != 0 || !strings.Contains(p.Stdout, "1 to import, 0 to add, 0 to change, 0 to destroy") {
		t.Fatalf("the import plan is not import only: changed %v\n%s", p.Changed, p.Stdout)
	}
	if want := fmt.Sprintf(`Userlist %q keeps the insecure-password lines of users "vip", "john" in haproxy.cfg`, ul); !strings.Contains(p.Stdout+p.Stderr, "Warning: Insecure Password On Machine") ||
		!strings.Contains(oneLine(p.Stdout+p.Stderr), want) || !strings.Contains(oneLine(p.Stdout+p.Stderr), "replace that user's insecure_password with password_wo") {
		t.Errorf("no warning naming both users (%q) and telling how to convert:\n%s%s", want, p.Stdout, p.Stderr)
	}
	gen, err := os.ReadFile(filepath.Join(w.Dir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(gen), "insecure_password") != 2 {
		t.Errorf("generated.tf does not keep both users' insecure passwords:\n%s", gen)
	}
	must("validate", "-no-color")
	if p := plan(); len(p.Changed) != 0 || !strings.Contains(p.Stdout, "1 to import, 0 to add, 0 to change, 0 to destroy") {
		t.Fatalf("the generated configuration does not plan import only: changed %v\n%s", p.Changed, p.Stdout)
	}
	if r := must("apply", "-auto-approve", "-no-color", "-input=false"); !strings.Contains(r.Stdout, "1 imported, 0 added, 0 changed, 0 destroyed") {
		t.Fatalf("the import apply did more than import:\n%s", r.Stdout)
	}
	if p := plan(); p.ExitCode != 0 {
		t.Fatalf("the plan after import is not empty: changed %v\n%s", p.Changed, p.Stdout)
	}
	state := must("show", "-json")
	if !strings.Contains(state.Stdout, `"insecure_password":true`) {
		t.Errorf("the state does not say the passwords are insecure:\n%s", state.Stdout)
	}
	answers("after the import")
	noPlaintext("after the import")

	// 2. A user that has no insecure password on the machine cannot be
	// given one: refused at plan time, naming the user.
	config := func(users string) {
		t.Helper()
		writeFile(t, filepath.Join(w.Dir, "generated.tf"), fmt.Sprintf(`
variable "vip_password" {
  type      = string
  sensitive = true
  ephemeral = true # Terraform would keep a plain variable's value in the saved plan
}

resource "switchyard_userlist" "adopted" {
  name   = %q
  groups = ["gold"]
  users  = %s
}
`, ul, users))
	}
	config(`[
    { name = "vip", groups = ["gold"], insecure_password = true },
    { name = "john", insecure_password = true },
    { name = "eve", insecure_password = true },
  ]`)
	if r := run("plan", "-no-color", "-input=false", "-var", "vip_password=unused"); r.ExitCode != 1 ||
		!strings.Contains(oneLine(r.Stderr), `User "eve" of userlist "`+ul+`" has no insecure-password line on the machine`) {
		t.Fatalf("a new insecure user was not refused at plan time:\n%s", r)
	}

	// 3. The conversion: vip to password_wo, john to password_hash. The
	// lines become hashes; the same passwords still work.
	johnHash, err := sha512_crypt.New().Generate([]byte(johnPass), nil)
	if err != nil {
		t.Fatal(err)
	}
	config(fmt.Sprintf(`[
    { name = "vip", groups = ["gold"], password_wo = var.vip_password, password_wo_version = 1 },
    { name = "john", password_hash = %q },
  ]`, johnHash))
	if err := w.WriteVars(map[string]any{"vip_password": vipPass}); err != nil {
		t.Fatal(err)
	}
	if p := plan(); len(p.Changed) != 1 || strings.Contains(p.Stdout+p.Stderr, "Insecure Password On Machine") {
		t.Fatalf("the conversion plan: changed %v\n%s%s", p.Changed, p.Stdout, p.Stderr)
	}
	must("apply", "-auto-approve", "-no-color", "-input=false")
	cfg, err := readConfig(m)
	if err != nil {
		t.Fatal(err)
	}
	section := strings.Join(sectionOf(cfg, "userlist "+ul), "\n")
	if strings.Contains(cfg, "insecure-password") || strings.Contains(cfg, vipPass) || strings.Contains(cfg, johnPass) ||
		!strings.Contains(section, "user vip password $6$") || !strings.Contains(section, "user john password "+johnHash) {
		t.Fatalf("haproxy.cfg does not hold hashes only:\n%s", section)
	}
	answers("after the conversion")
	if p := plan(); p.ExitCode != 0 {
		t.Fatalf("the plan after the conversion is not empty: changed %v\n%s", p.Changed, p.Stdout)
	}

	// 4. Drift: vip's line turned back into plaintext by hand shows in the
	// plan, and the apply hashes it again.
	editConfig(t, m, func(cfg string) (string, error) {
		lines := strings.Split(cfg, "\n")
		start, end, ok := sectionBounds(lines, "userlist "+ul)
		for i := start; ok && i < end; i++ {
			if f := strings.Fields(lines[i]); len(f) > 2 && f[0] == "user" && f[1] == "vip" {
				lines[i] = "  user vip insecure-password " + vipPass + " groups gold"
				return strings.Join(lines, "\n"), nil
			}
		}
		return "", fmt.Errorf("no user vip in userlist %s", ul)
	})
	if p := plan(); p.ExitCode != 2 || len(p.Changed) != 1 || !strings.Contains(oneLine(p.Stdout), "insecure_password = true -> null") {
		t.Fatalf("a hand-made insecure password is not drift: changed %v\n%s", p.Changed, p.Stdout)
	}
	must("apply", "-auto-approve", "-no-color", "-input=false")
	if cfg, err = readConfig(m); err != nil {
		t.Fatal(err)
	}
	if section := strings.Join(sectionOf(cfg, "userlist "+ul), "\n"); strings.Contains(section, "insecure-password") || !strings.Contains(section, "user vip password $6$") {
		t.Fatalf("the drift was not repaired with a hash:\n%s", section)
	}
	answers("after the drift was repaired")
	// The tfvars file holds vip's password by the user's own choice; the
	// state, the plans and the logs must not.
	if err := os.Remove(filepath.Join(w.Dir, "terraform.tfvars.json")); err != nil {
		t.Fatal(err)
	}
	noPlaintext("after the conversion")
}

// oneLine undoes terraform's wrapping of diagnostics (and its box-drawing
// margin) so a sentence can be searched for.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "│", " ")), " ")
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// removeSectionsByHand deletes the sections with the given headers that are
// still in haproxy.cfg, in one edit and one reload.
func removeSectionsByHand(t *testing.T, m lab.Machine, headers ...string) {
	t.Helper()
	cfg, err := readConfig(m)
	if err != nil {
		t.Error(err)
		return
	}
	lines := strings.Split(strings.TrimSuffix(cfg, "\n"), "\n")
	found := false
	for _, h := range headers {
		if start, end, ok := sectionBounds(lines, h); ok {
			lines = append(lines[:start:start], lines[end:]...)
			found = true
		}
	}
	if found {
		editConfig(t, m, func(string) (string, error) { return strings.Join(lines, "\n") + "\n", nil })
	}
}
