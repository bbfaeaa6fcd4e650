package provider

// Acceptance tests of extra_lines, the escape hatch of switchyard_backend and
// switchyard_frontend (issue 12): the lines are written, read back, imported,
// show drift when edited by hand, and a line HAProxy refuses fails the apply
// with HAProxy's message while the machine keeps serving.

import (
	"fmt"
	"net/http"
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

// hclList renders strings as an HCL list.
func hclList(vs ...string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// testCheckBackendOwnedLines checks that the backend's section of haproxy.cfg
// holds exactly want as its marked block, in order (none: no block).
func testCheckBackendOwnedLines(m lab.Machine, name string, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		cfg, err := readConfig(m)
		if err != nil {
			return err
		}
		lines := strings.Split(cfg, "\n")
		start, end, ok := findSection(lines, name)
		if !ok {
			return fmt.Errorf("no `backend %s` section on %s", name, m.Name)
		}
		var got []string
		in := false
		for _, l := range lines[start:end] {
			t := strings.TrimSpace(l)
			switch {
			case t == "###_config-snippet_### BEGIN":
				in = true
			case t == "###_config-snippet_### END":
				in = false
			case in:
				got = append(got, t)
			}
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			return fmt.Errorf("backend %s owned lines on %s = %q, want %q:\n%s", name, m.Name, got, want, strings.Join(lines[start:end], "\n"))
		}
		return nil
	}
}

func TestAccExtraLines_backend(t *testing.T) {
	m := testMachine(t)
	name := acctest.RandomWithPrefix("acc-extra")
	addr := "switchyard_backend.web"
	owned := []string{"option http-keep-alive", "http-reuse always"}
	config := func(lines string) string {
		return providerBlock(m, "") + backendBlock("web", name, "extra_lines = "+lines, 8080, 8081)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testCheckBackendsGone(m, name),
		Steps: []resource.TestStep{
			{
				Config: config(hclList(owned...)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("extra_lines"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact(owned[0]), knownvalue.StringExact(owned[1]),
					})),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckBackendOwnedLines(m, name, owned...),
					testCheckServedBy(m, name, 8080, 8081),
				),
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     name,
				ImportStateVerify: true,
			},
			{
				// A hand edit inside the block is drift.
				PreConfig: func() {
					editSection(t, m, name, func(lines []string) ([]string, error) {
						for i, l := range lines {
							if strings.TrimSpace(l) == "http-reuse always" {
								lines[i] = "  http-reuse never"
								return lines, nil
							}
						}
						return nil, fmt.Errorf("no `http-reuse always` line")
					})
				},
				Config:             config(hclList(owned...)),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
			},
			{
				// The apply puts the owned line back.
				Config: config(hclList(owned...)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				Check: testCheckBackendOwnedLines(m, name, owned...),
			},
			{
				// A keyword with an attribute of its own is refused at plan
				// time, pointing to the attribute.
				Config:      config(hclList("http-reuse always", "balance first")),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(words("\"balance first\" is `balance`, which the backend's balance attribute manages")),
			},
			{
				// A line only HAProxy can judge: refused by haproxy -c with
				// HAProxy's own message, naming the backend.
				Config: config(hclList("option http-keep-alive", "frobnicate on")),
				ExpectError: regexp.MustCompile(`(?s)` + words("Unable to Update Backend") + `.*` + regexp.QuoteMeta(name) +
					`.*` + words("unknown keyword 'frobnicate' in 'backend' section")),
			},
			{
				// Nothing of it reached the file, the state is as before,
				// and the machine still serves.
				Config: config(hclList(owned...)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckBackendOwnedLines(m, name, owned...),
					testCheckServedBy(m, name, 8080, 8081),
				),
			},
			{
				// Dropped from the list: removed from the section.
				Config: config(hclList("option http-keep-alive")),
				Check:  testCheckBackendOwnedLines(m, name, "option http-keep-alive"),
			},
			{
				Config: config("[]"),
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckBackendOwnedLines(m, name),
					testCheckServedBy(m, name, 8080, 8081),
				),
			},
		},
	})
}

func TestAccExtraLines_frontend(t *testing.T) {
	m := testMachine(t)
	be := acctest.RandomWithPrefix("acc-extra-fe")
	fe := acctest.RandomWithPrefix("acc-extra-fe")
	const port = 8193
	addr := "switchyard_frontend.web"
	config := func(lines string) string {
		return providerBlock(m, "") + backendBlock("web", be, "", 8080) + fmt.Sprintf(`
resource "switchyard_frontend" "web" {
  name            = %q
  binds           = [{ address = %q, port = %d }]
  default_backend = switchyard_backend.web.name
  extra_lines     = %s
}
`, fe, m.Address, port, lines)
	}
	// The owned line's effect is visible on the wire: with monitor-uri,
	// HAProxy answers that path itself ("Service ready") instead of the
	// backend. (http-after-response, which this test used before, is an
	// attribute now.)
	monitor := feFrontendURL(m, port, "/swx-extra-monitor")
	answered := func(byHAProxy bool) resource.TestCheckFunc {
		return func(*terraform.State) error {
			status, body, _, err := feFetch(monitor, "", "")
			if err != nil {
				return err
			}
			if status != http.StatusOK || strings.Contains(body, "Service ready") != byHAProxy {
				return fmt.Errorf("GET %s: %d %q, want 200 answered by HAProxy itself: %v", monitor, status, body, byHAProxy)
			}
			return nil
		}
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             feTestCheckFrontendGone(m, fe),
		Steps: []resource.TestStep{
			{
				Config: config(hclList("monitor-uri /swx-extra-monitor", "timeout client 30s")),
				Check:  answered(true),
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     fe,
				ImportStateVerify: true,
			},
			{
				Config:      config(hclList("bind :80")),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(words("the frontend's binds attribute manages")),
			},
			{
				Config: config(hclList("option frobnicate")),
				ExpectError: regexp.MustCompile(`(?s)` + words("Unable to Update Frontend") + `.*` + regexp.QuoteMeta(fe) +
					`.*` + words("frobnicate")),
			},
			{
				Config: config("[]"),
				Check:  answered(false),
			},
		},
	})
}
