package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
)

// A stopped HAProxy stays stopped: a backend created while it is stopped is
// validated and written, HAProxy is not started by it, and the next plan
// is empty (it used to show running = true -> false).
func TestAccHAProxy_stoppedStaysStopped(t *testing.T) {
	m := testMachine(t)
	keepGlobalAndDefaults(t, m) // also starts HAProxy again when the test ends
	be := acctest.RandomWithPrefix("acc-stopped")
	stopped := providerBlock(m, "") + `
resource "switchyard_haproxy" "this" {
  running = false
}
`
	withBackend := stopped + backendBlock("web", be, "", 8080)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testCheckBackendsGone(m, be),
		Steps: []resource.TestStep{
			{Config: stopped, Check: testCheckHAProxyActive(m, false)},
			{
				Config: withBackend,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(testCheckHAProxyActive(m, false), testCheckBackendInConfig(m, be)),
			},
			{
				// Started again by the setting, with the backend loaded.
				Config: strings.Replace(withBackend, "running = false", "running = true", 1),
				Check:  resource.ComposeAggregateTestCheckFunc(testCheckHAProxyActive(m, true), testCheckServedBy(m, be, 8080)),
			},
		},
	})
}

func testCheckHAProxyActive(m lab.Machine, want bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
		defer cancel()
		out, _, _ := m.Run(ctx, "systemctl", "is-active", "haproxy")
		if got := strings.TrimSpace(out) == "active"; got != want {
			return fmt.Errorf("haproxy on %s is %q, want active = %v", m.Name, strings.TrimSpace(out), want)
		}
		return nil
	}
}

// Two frontends on one address and port: HAProxy would take both and split
// the port's connections between them. The second is refused at apply,
// naming both and the address, and the first keeps serving; shared_binds
// is the explicit way to allow it.
func TestAccFrontend_sharedBindRefused(t *testing.T) {
	m := testMachine(t)
	be := acctest.RandomWithPrefix("acc-share")
	first, second := acctest.RandomWithPrefix("acc-share-a"), acctest.RandomWithPrefix("acc-share-b")
	const port = 8181
	frontend := func(res, name, extra string) string {
		return fmt.Sprintf(`
resource "switchyard_frontend" %q {
  name            = %q
  binds           = [{ address = "*", port = %d }]
  default_backend = switchyard_backend.web.name
  %s
}
`, res, name, port, extra)
	}
	base := providerBlock(m, "") + backendBlock("web", be, "", 8080) + frontend("a", first, "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			feTestCheckFrontendGone(m, first), feTestCheckFrontendGone(m, second)),
		Steps: []resource.TestStep{
			{Config: base, Check: feTestCheckAnswers(feFrontendURL(m, port, "/"), "", "", 200, 8080, m.Name)},
			{
				Config: base + frontend("b", second, ""),
				ExpectError: regexp.MustCompile(`(?s)` + words("Unable to Create Frontend") + `.*` + regexp.QuoteMeta(second) +
					`.*` + words("is already bound by frontend") + `.*` + regexp.QuoteMeta(first) + `.*shared_binds`),
			},
			{
				PreConfig: func() {
					if err := feTestCheckFrontendGone(m, second)(nil); err != nil {
						t.Error(err)
					}
					if err := feTestCheckAnswers(feFrontendURL(m, port, "/"), "", "", 200, 8080, m.Name)(nil); err != nil {
						t.Error(err)
					}
				},
				Config: base + frontend("b", second, "shared_binds = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// testCheckConfigPerm checks haproxy.cfg's mode and owner, as `stat -c "%a %U:%G"` prints them.
func testCheckConfigPerm(m lab.Machine, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
		defer cancel()
		out, stderr, err := m.Run(ctx, "stat", "-c", "%a %U:%G", labConfigFile)
		if err != nil {
			return fmt.Errorf("stat %s on %s: %v: %s", labConfigFile, m.Name, err, stderr)
		}
		if got := strings.TrimSpace(out); got != want {
			return fmt.Errorf("%s on %s is %s, want %s", labConfigFile, m.Name, got, want)
		}
		return nil
	}
}
