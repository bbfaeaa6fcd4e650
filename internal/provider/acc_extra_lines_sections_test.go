package provider

// Acceptance tests of the escape hatch beyond backends and frontends (issue
// 12, "for every section resource"): switchyard_haproxy's
// global_extra_lines and defaults_extra_lines, and switchyard_cache's
// extra_lines. Each is applied, read back from the machine's haproxy.cfg,
// imported, shows drift on a hand edit, and a bad line is refused (by
// HAProxy, with its message, where only HAProxy can judge it) while the
// machine keeps serving. The haproxy test puts global and defaults back
// when it ends, as the other switchyard_haproxy tests do.

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
)

// testCheckOwnedLines checks that the section with the given header holds
// exactly want as its marked block, in order (none: no block).
func testCheckOwnedLines(m lab.Machine, header string, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		cfg, err := readConfig(m)
		if err != nil {
			return err
		}
		lines := strings.Split(cfg, "\n")
		start, end, ok := sectionBounds(lines, header)
		if !ok {
			return fmt.Errorf("no `%s` section on %s", header, m.Name)
		}
		var got []string
		in := false
		for _, l := range lines[start:end] {
			switch t := strings.TrimSpace(l); {
			case t == "###_config-snippet_### BEGIN":
				in = true
			case t == "###_config-snippet_### END":
				in = false
			case in:
				got = append(got, t)
			}
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			return fmt.Errorf("%s owned lines on %s = %q, want %q:\n%s", header, m.Name, got, want, strings.Join(lines[start:end], "\n"))
		}
		return nil
	}
}

// replaceLineInSection changes one line of any section (by its header) by
// hand and reloads.
func replaceLineInSection(t *testing.T, m lab.Machine, header, from, to string) {
	t.Helper()
	editConfig(t, m, func(cfg string) (string, error) {
		lines := strings.Split(cfg, "\n")
		start, end, ok := sectionBounds(lines, header)
		if !ok {
			return "", fmt.Errorf("no %s section", header)
		}
		for i := start; i < end; i++ {
			if strings.TrimSpace(lines[i]) == from {
				lines[i] = "  " + to
				return strings.Join(lines, "\n"), nil
			}
		}
		return "", fmt.Errorf("no %q in %s", from, header)
	})
}

func TestAccExtraLines_haproxy(t *testing.T) {
	m := testMachine(t)
	keepGlobalAndDefaults(t, m)
	global := []string{"tune.ssl.default-dh-param 2048", "tune.http.maxhdr 128"}
	defaults := []string{"timeout http-request 10s", "option dontlognull"}
	config := func(g, d string) string {
		return providerBlock(m, "") + fmt.Sprintf(`
resource "switchyard_haproxy" "this" {
  global_extra_lines   = %s
  defaults_extra_lines = %s
}
`, g, d)
	}
	good := config(hclList(global...), hclList(defaults...))
	list := func(vs []string) knownvalue.Check {
		checks := make([]knownvalue.Check, len(vs))
		for i, v := range vs {
			checks[i] = knownvalue.StringExact(v)
		}
		return knownvalue.ListExact(checks)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: good,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(haproxyAddr, tfjsonpath.New("global_extra_lines"), list(global)),
					statecheck.ExpectKnownValue(haproxyAddr, tfjsonpath.New("defaults_extra_lines"), list(defaults)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckOwnedLines(m, "global", global...),
					testCheckOwnedLines(m, "defaults base", defaults...),
					// The typed lines are still there next to the block.
					testCheckConfigHas(m, "global", "stats socket /run/haproxy/admin.sock expose-fd listeners level admin mode 660"),
					testCheckServing(m),
				),
			},
			{
				Config:            good,
				ResourceName:      haproxyAddr,
				ImportState:       true,
				ImportStateId:     "haproxy",
				ImportStateVerify: true,
			},
			{
				// A hand edit inside global's block is drift.
				PreConfig:          func() { replaceLineInSection(t, m, "global", "tune.http.maxhdr 128", "tune.http.maxhdr 64") },
				Config:             good,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(haproxyAddr, plancheck.ResourceActionUpdate)},
				},
			},
			{
				// So is one inside defaults'; the apply puts both back.
				PreConfig: func() {
					replaceLineInSection(t, m, "defaults base", "timeout http-request 10s", "timeout http-request 11s")
				},
				Config: good,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(haproxyAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckOwnedLines(m, "global", global...),
					testCheckOwnedLines(m, "defaults base", defaults...),
				),
			},
			{
				// A keyword switchyard_haproxy has an attribute for is
				// refused at plan time, naming the attribute.
				Config:      config(hclList("maxconn 10"), hclList(defaults...)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(words("global_extra_lines[0]: \"maxconn 10\" is `maxconn`, which switchyard_haproxy's maxconn attribute manages")),
			},
			{
				Config:      config(hclList(global...), hclList("timeout client 5s")),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(words("switchyard_haproxy's timeout_client attribute manages")),
			},
			{
				// Lines only HAProxy can judge: refused by haproxy -c with
				// HAProxy's own message.
				Config: config(hclList("tune.frobnicate 1"), hclList(defaults...)),
				ExpectError: regexp.MustCompile(`(?s)` + words("Unable to Update HAProxy Settings") + `.*` +
					words("unknown keyword 'tune.frobnicate' in 'global' section")),
			},
			{
				Config: config(hclList(global...), hclList("frobnicate on")),
				ExpectError: regexp.MustCompile(`(?s)` + words("Unable to Update HAProxy Settings") + `.*` +
					words("unknown keyword 'frobnicate' in 'defaults' section")),
			},
			{
				// Nothing of them reached the file, and the machine serves.
				Config: good,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckOwnedLines(m, "global", global...),
					testCheckOwnedLines(m, "defaults base", defaults...),
					testCheckServing(m),
				),
			},
			{
				// Empty lists remove the blocks.
				Config: config("[]", "[]"),
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckOwnedLines(m, "global"),
					testCheckOwnedLines(m, "defaults base"),
					testCheckServing(m),
				),
			},
		},
	})
}

func TestAccExtraLines_cache(t *testing.T) {
	m := testMachine(t)
	name := acctest.RandomWithPrefix("acc-cx") // HAProxy truncates cache names at 32 characters
	addr := "switchyard_cache.c"
	header := "cache " + name
	// Not in the order client-native writes them: the state keeps the
	// user's.
	owned := []string{"process-vary on", "max-secondary-entries 4"}
	config := func(lines string) string {
		return providerBlock(m, "") + fmt.Sprintf(`
resource "switchyard_cache" "c" {
  name           = %q
  total_max_size = 4
  extra_lines    = %s
}
`, name, lines)
	}
	good := config(hclList(owned...))
	// The same lines in the file's order: from the third step on, what the
	// state holds, so that only drift can make a plan.
	fileOrder := config(hclList("max-secondary-entries 4", "process-vary on"))

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             cacheCheckGone(m, name),
		Steps: []resource.TestStep{
			{
				Config: good,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("extra_lines"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact(owned[0]), knownvalue.StringExact(owned[1]),
					})),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckConfigHas(m, header, "total-max-size 4", "process-vary on", "max-secondary-entries 4"),
					testCheckServing(m),
				),
			},
			{
				// The import reads them back in the file's order.
				ResourceName:  addr,
				ImportState:   true,
				ImportStateId: name,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("%d imported states, want 1", len(states))
					}
					a := states[0].Attributes
					if a["extra_lines.#"] != "2" || a["extra_lines.0"] != "max-secondary-entries 4" || a["extra_lines.1"] != "process-vary on" {
						return fmt.Errorf("imported extra_lines = %q %q %q", a["extra_lines.#"], a["extra_lines.0"], a["extra_lines.1"])
					}
					return nil
				},
			},
			{
				// In that order, an import verifies exactly.
				Config: fileOrder,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
			},
			{
				Config:            fileOrder,
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     name,
				ImportStateVerify: true,
			},
			{
				// A hand edit is drift.
				PreConfig:          func() { replaceLineInSection(t, m, header, "max-secondary-entries 4", "max-secondary-entries 5") },
				Config:             fileOrder,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
			},
			{
				Config: fileOrder,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: testCheckConfigHas(m, header, "process-vary on", "max-secondary-entries 4"),
			},
			{
				// A cache takes no other keyword: refused at plan time,
				// listing the ones it takes.
				Config:   config(hclList("process-vary on", "max-age 60")),
				PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)switchyard_cache\.c.*` +
					words("extra_lines[1]: \"max-age 60\": a cache section's extra lines may only be process-vary on|off or max-secondary-entries <n>")),
			},
			{
				Config:      config(hclList("process-vary maybe")),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(words("is not in the form process-vary on|off")),
			},
			{
				// Nothing changed, and the machine serves.
				Config: fileOrder,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: testCheckServing(m),
			},
			{
				Config: config(hclList("process-vary off")),
				Check:  testCheckConfigHas(m, header, "process-vary off"),
			},
			{
				Config: config("[]"),
				Check: func(*terraform.State) error {
					cfg, err := readConfig(m)
					if err != nil {
						return err
					}
					for _, l := range sectionOf(cfg, header) {
						if strings.HasPrefix(l, "process-vary") || strings.HasPrefix(l, "max-secondary-entries") {
							return fmt.Errorf("%q survived an empty list in %s", l, header)
						}
					}
					return nil
				},
			},
		},
	})
}

// A userlist has the attribute but takes no line: refused at plan time,
// saying why; an empty list applies and imports as the userlist it is.
func TestAccExtraLines_userlist(t *testing.T) {
	m := testMachine(t)
	name := acctest.RandomWithPrefix("acc-ul-extra")
	config := func(lines string) string {
		return providerBlock(m, "") + fmt.Sprintf(`
resource "switchyard_userlist" "u" {
  name        = %q
  users       = [{ name = "john", password_hash = "$6$saltsalt$0123456789abcdef" }]
  extra_lines = %s
}
`, name, lines)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:   config(hclList("group admins")),
				PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)switchyard_userlist\.u.*` +
					words("extra_lines[0]: \"group admins\": a userlist takes no extra lines")),
			},
			{
				Config: config("[]"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckConfigHas(m, "userlist "+name, "user john password $6$saltsalt$0123456789abcdef"),
					testCheckServing(m),
				),
			},
		},
	})
}
