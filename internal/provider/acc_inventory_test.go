package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/systemd"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
	"github.com/switchyard/terraform-provider-switchyard/internal/tfrun"
)

// handMachine is what inventoryByHand wrote on a lab machine.
type handMachine struct {
	backend, frontend, listen, resolvers string
	netns, goodUnit, handUnit            string
	// original config's frontend and backend names, to assert exact sets
	frontends, backends []string
}

// inventoryByHand writes, as a person would, a haproxy.cfg with supported
// sections and a `listen` and a `resolvers` section, a network namespace
// made with `ip netns add`, a unit Switchyard would have written and one it
// would not; t.Cleanup puts the machine back as it was.
func inventoryByHand(t *testing.T, m lab.Machine) handMachine {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*sshTimeout)
	defer cancel()
	suffix := acctest.RandString(6)
	h := handMachine{
		backend: "inv-app-" + suffix, frontend: "inv-web-" + suffix, listen: "inv-stats-" + suffix, resolvers: "inv-dns-" + suffix,
		netns: "invhand" + suffix, goodUnit: "inv-good-" + suffix, handUnit: "inv-hand-" + suffix,
	}
	orig, err := readConfig(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(orig, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && line[0] != ' ' && line[0] != '\t' {
			switch f[0] {
			case "frontend":
				h.frontends = append(h.frontends, f[1])
			case "backend":
				h.backends = append(h.backends, f[1])
			}
		}
	}
	h.frontends, h.backends = append(h.frontends, h.frontend), append(h.backends, h.backend)
	unitDir := systemd.UnitDir
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*sshTimeout)
		defer cancel()
		if err := m.WriteFile(ctx, labConfigFile, []byte(orig), 0o644); err != nil {
			t.Error(err)
		}
		if _, _, err := m.Run(ctx, "systemctl", "reload", api.DefaultHAProxySettings().Service); err != nil {
			t.Error(err)
		}
		if _, _, err := m.Run(ctx, "rm", "-f", "--", filepath.Join(unitDir, h.goodUnit+".service"), filepath.Join(unitDir, h.handUnit+".service")); err != nil {
			t.Error(err)
		}
		if _, _, err := m.Run(ctx, "ip", "netns", "delete", h.netns); err != nil {
			t.Error(err)
		}
	})
	sections := fmt.Sprintf(`
backend %[1]s
    mode http
    balance roundrobin
    server app8080 127.0.0.1:8080

frontend %[2]s
    mode http
    bind 127.0.0.1:18471
    http-request return status 200

listen %[3]s
    mode http
    bind 127.0.0.1:18472
    server app8081 127.0.0.1:8081

resolvers %[4]s
    nameserver ns1 127.0.0.1:53
`, h.backend, h.frontend, h.listen, h.resolvers)
	editConfig(t, m, func(cfg string) (string, error) { return cfg + sections, nil })
	good, err := systemd.Render(api.Service{Description: "inventory test", ExecStart: []string{"/bin/sleep", "1000"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WriteFile(ctx, filepath.Join(unitDir, h.goodUnit+".service"), good, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := m.WriteFile(ctx, filepath.Join(unitDir, h.handUnit+".service"), []byte("[Service]\nExecStart=/bin/sleep 1000\nLimitNOFILE=4096\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.Run(ctx, "ip", "netns", "add", h.netns); err != nil {
		t.Fatal(err)
	}
	return h
}

func stringSet(names []string) knownvalue.Check {
	checks := make([]knownvalue.Check, len(names))
	for i, n := range names {
		checks[i] = knownvalue.StringExact(n)
	}
	return knownvalue.SetExact(checks)
}

func unsupportedItem(kind, name string, reason *regexp.Regexp) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"kind": knownvalue.StringExact(kind), "name": knownvalue.StringExact(name), "reason": knownvalue.StringRegexp(reason),
	})
}

// TestAccInventory_handWritten reads the data source on a machine edited by
// hand and checks the exact frontend and backend sets, the importable
// service, and that the listen and resolvers sections, the hand-made
// namespace and the hand-written unit are reported, not offered.
func TestAccInventory_handWritten(t *testing.T) {
	m := testMachine(t)
	h := inventoryByHand(t, m)
	addr := "data.switchyard_inventory.this"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock(m, "") + `
data "switchyard_inventory" "this" {}

output "services" { value = data.switchyard_inventory.this.services }
output "namespaces" { value = data.switchyard_inventory.this.namespaces }
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("haproxy"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("frontends"), stringSet(h.frontends)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("backends"), stringSet(h.backends)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("services"), knownvalue.SetPartial([]knownvalue.Check{knownvalue.StringExact(h.goodUnit)})),
				statecheck.ExpectKnownOutputValue("services", knownvalue.SetPartial([]knownvalue.Check{knownvalue.StringExact(h.goodUnit)})),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("unsupported"), knownvalue.SetPartial([]knownvalue.Check{
					unsupportedItem("listen", h.listen, regexp.MustCompile("no resource for `listen` sections")),
					unsupportedItem("resolvers", h.resolvers, regexp.MustCompile("no resource for `resolvers` sections")),
					unsupportedItem("namespace", h.netns, regexp.MustCompile("not made by Switchyard")),
					unsupportedItem("service", h.handUnit, regexp.MustCompile(`LimitNOFILE|would write`)),
				})),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				// Neither hand-made object may also be offered for import.
				testCheckNotInSet(addr, "services", h.handUnit),
				testCheckNotInSet(addr, "namespaces", h.netns),
				testCheckNotInSet(addr, "frontends", h.listen),
				testCheckNotInSet(addr, "backends", h.listen),
			),
		}},
	})
}

// testCheckNotInSet fails when name is an element of the set attribute.
func testCheckNotInSet(addr, attr, name string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		r, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s is not in the state", addr)
		}
		for k, v := range r.Primary.Attributes {
			if strings.HasPrefix(k, attr+".") && k != attr+".#" && v == name {
				return fmt.Errorf("%s.%s has %q, which cannot be imported", addr, attr, name)
			}
		}
		return nil
	}
}

// TestAccInventory_importForEach adopts the hand-written backend with an
// import block whose for_each is the data source's list (Terraform 1.7+),
// through the real CLI: plugin-testing's legacy state shim refuses
// for_each addresses. The plan imports it with no change, the adopted
// backend serves, a second plan is empty and destroy removes it.
func TestAccInventory_importForEach(t *testing.T) {
	m := testMachine(t)
	h := inventoryByHand(t, m)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	w := inventoryWorkspace(ctx, t, m, fmt.Sprintf(`
data "switchyard_inventory" "this" {}

locals {
  # Only this test's backend: the machine has others that are not ours.
  adopt = toset([for b in data.switchyard_inventory.this.backends : b if b == %q])
}

import {
  for_each = local.adopt
  to       = switchyard_backend.adopted[each.key]
  id       = each.key
}

resource "switchyard_backend" "adopted" {
  for_each = local.adopt
  name     = each.key
  servers  = %s
}
`, h.backend, labServers(8080)))
	plan, err := w.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan.Stdout, "Plan: 1 to import, 0 to add, 0 to change, 0 to destroy.") {
		t.Fatalf("plan is not exactly one import:\n%s", plan.Result)
	}
	if _, err := w.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	if err := testCheckServedBy(m, h.backend, 8080)(nil); err != nil {
		t.Error(err)
	}
	again, err := w.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if again.ExitCode != 0 {
		t.Errorf("plan after the import is not empty:\n%s", again.Result)
	}
	if _, err := w.Destroy(ctx); err != nil {
		t.Fatal(err)
	}
	if err := testCheckBackendsGone(m, h.backend)(nil); err != nil {
		t.Errorf("after destroy: %v", err)
	}
}

// inventoryWorkspace is a tfrun workspace whose root module is body with
// the provider pointed at m.
func inventoryWorkspace(ctx context.Context, t *testing.T, m lab.Machine, body string) *tfrun.Workspace {
	t.Helper()
	tree := t.TempDir()
	main := `
terraform {
  required_providers {
    switchyard = { source = "` + tfrun.ProviderSource + `" }
  }
}
` + providerBlock(m, "") + body
	if err := os.WriteFile(filepath.Join(tree, "main.tf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := tfrun.NewWorkspace(ctx, tree, ".", tfrun.Options{WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestAccInventory_warning runs the real CLI, as a user would, and checks
// that reading the data source warns about each unsupported object by
// name, and that the two-step flow (an output rendering import blocks,
// since Terraform refuses -generate-config-out with for_each imports)
// gives an import block for the hand-written backend.
func TestAccInventory_warning(t *testing.T) {
	m := testMachine(t)
	h := inventoryByHand(t, m)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	w := inventoryWorkspace(ctx, t, m, `
data "switchyard_inventory" "this" {}

output "import_blocks" {
  value = join("", [for b in data.switchyard_inventory.this.backends :
    "import {\n  to = switchyard_backend.${replace(b, "-", "_")}\n  id = \"${b}\"\n}\n"])
}
`)
	r, err := w.Apply(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := r.Stdout + r.Stderr
	for _, want := range []string{"Objects Switchyard Cannot Import", fmt.Sprintf("listen %q", h.listen),
		fmt.Sprintf("resolvers %q", h.resolvers), fmt.Sprintf("namespace %q", h.netns), fmt.Sprintf("service %q", h.handUnit)} {
		if !strings.Contains(out, want) {
			t.Errorf("apply output lacks %q:\n%s", want, out)
		}
	}
	outputs, err := w.Output(ctx)
	if err != nil {
		t.Fatal(err)
	}
	block := fmt.Sprintf(`to = switchyard_backend.%s\n  id = \"%s\"`, strings.ReplaceAll(h.backend, "-", "_"), h.backend)
	if !strings.Contains(string(outputs["import_blocks"]), block) {
		t.Errorf("import_blocks output lacks %s:\n%s", block, outputs["import_blocks"])
	}
}

// TestAccInventory_serviceImportIsStrict: the unit the inventory reports as
// unsupported is refused by switchyard_service's import with the same
// reason, and the one it lists imports.
func TestAccInventory_serviceImportIsStrict(t *testing.T) {
	m := testMachine(t)
	h := inventoryByHand(t, m)
	svc := func(name string) string {
		return fmt.Sprintf(`
import {
  to = switchyard_service.adopted
  id = %[1]q
}

resource "switchyard_service" "adopted" {
  name        = %[1]q
  description = "inventory test"
  exec_start  = ["/bin/sleep", "1000"]
  enabled     = false
  running     = false
}
`, name)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      providerBlock(m, "") + svc(h.handUnit),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(words(fmt.Sprintf(`service "%s" cannot be imported: /etc/systemd/system/%s.service: line`, h.handUnit, h.handUnit))),
			},
			{
				Config: providerBlock(m, "") + svc(h.goodUnit),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("switchyard_service.adopted", plancheck.ResourceActionNoop),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}
