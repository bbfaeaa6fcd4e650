package provider

import (
	"fmt"
	"net/http"
	"strconv"
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
	"github.com/switchyard/terraform-provider-switchyard/internal/loadloop"
)

// Zero-downtime operations (issue 10, items 1 and 2): each change runs
// under a request loop through the lab frontend, which must see no failed
// request, and the apply's own agent session must not reload HAProxy.

// loadLoop is internal/loadloop's bounded request loop through the lab
// frontend to one backend (each request on a new connection, at least
// 2000, at most 90 s), which checks every answer came from a lab app on
// the machine for its own path.
type loadLoop struct {
	m       lab.Machine
	backend string
	loop    *loadloop.Loop
	byPort  map[int]int // which app answered; set by finish
}

func startLoad(m lab.Machine, backend string) *loadLoop {
	l := &loadLoop{m: m, backend: backend}
	l.loop = loadloop.Start(loadloop.Options{
		URL: func(client, i int) string {
			return fmt.Sprintf("http://%s:%d/zd/%d/%d", m.Address, lab.FrontendPort, client, i)
		},
		Header:   http.Header{"X-Switchyard-Backend": {backend}},
		Classify: l.classify,
	})
	return l
}

// classify says which app answered, and fails an answer for another
// machine or another request's path.
func (l *loadLoop) classify(url, body string) (string, error) {
	match := labAppBody.FindStringSubmatch(body)
	if match == nil {
		return "", fmt.Errorf("GET %s for backend %s: unexpected answer %q", url, l.backend, body)
	}
	if match[2] != l.m.Name || !strings.HasSuffix(url, match[3]) {
		return "", fmt.Errorf("GET %s for backend %s: answered by %q for path %q", url, l.backend, match[2], match[3])
	}
	return match[1], nil
}

// finish stops the loop and reports its figures; too few requests or any
// failed request fails.
func (l *loadLoop) finish(t *testing.T, op string) error {
	t.Helper()
	r := l.loop.Stop()
	l.byPort = map[int]int{}
	for k, n := range r.By {
		port, err := strconv.Atoi(k)
		if err != nil {
			return fmt.Errorf("%s: answer key %q is not a port", op, k)
		}
		l.byPort[port] = n
	}
	t.Logf("zero-downtime %s: %d requests sent (%d while terraform ran the step), %d failed, answered by %v", op, r.Sent, r.BeforeStop, r.Failed, l.byPort)
	if err := r.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// zdServers is the backend's two servers with per-server extra attributes.
func zdServers(a, b string) string {
	return fmt.Sprintf(`[
    { name = "app8080", address = "127.0.0.1", port = 8080 %s },
    { name = "app8081", address = "127.0.0.1", port = 8081 %s },
  ]`, a, b)
}

// zdConfig is the backend and a host data source read after it changes:
// its reloads attribute is the apply's own agent session's reload count,
// whatever else happens on the shared lab machine.
func zdConfig(m lab.Machine, name, servers string) string {
	return providerBlock(m, "") + fmt.Sprintf(`
resource "switchyard_backend" "zd" {
  name    = %q
  servers = %s
}

data "switchyard_host" "zd" {
  depends_on = [switchyard_backend.zd]
}
`, name, servers)
}

// servedOnly sends 200 requests after the change and checks which apps
// answered: a drained, maint or weight-0 server gets none.
func servedOnly(m lab.Machine, backend string, ports ...int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		counts, err := countServedBy(m, backend, "/zd/after", 200)
		if err != nil {
			return err
		}
		for p := range counts {
			found := false
			for _, w := range ports {
				found = found || p == w
			}
			if !found {
				return fmt.Errorf("backend %s: app %d answered %d of 200 requests after the change; only %v should (counts %v)", backend, p, counts[p], ports, counts)
			}
		}
		for _, w := range ports {
			if counts[w] == 0 {
				return fmt.Errorf("backend %s: app %d answered none of 200 requests (counts %v)", backend, w, counts)
			}
		}
		return nil
	}
}

func TestAccBackend_zeroDowntime(t *testing.T) {
	m := testMachine(t)
	name := acctest.RandomWithPrefix("acc-zd")
	addr := "switchyard_backend.zd"
	var load *loadLoop
	var loadStep func(op, servers, reloads string, ports ...int) resource.TestStep

	// step is one live change under load: 0 failed requests, 0 reloads,
	// then only ports answer.
	step := func(op, servers string, ports ...int) resource.TestStep {
		return loadStep(op, servers, "0", ports...)
	}
	loadStep = func(op, servers, reloads string, ports ...int) resource.TestStep {
		return resource.TestStep{
			PreConfig: func() { load = startLoad(m, name) },
			Config:    zdConfig(m, name, servers),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				func(*terraform.State) error { return load.finish(t, op) },
				resource.TestCheckResourceAttr("data.switchyard_host.zd", "reloads", reloads),
				servedOnly(m, name, ports...),
			),
		}
	}
	maint := func() {
		runtimeCommand(t, m, fmt.Sprintf("set server %s/app8080 state maint", name))
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testCheckBackendsGone(m, name),
		Steps: []resource.TestStep{
			{
				Config: zdConfig(m, name, zdServers("", "")),
				Check:  servedOnly(m, name, 8080, 8081),
			},
			step("drain", zdServers("", `, admin_state = "drain"`), 8080),
			step("re-enable", zdServers("", ""), 8080, 8081),
			step("maint", zdServers("", `, admin_state = "maint"`), 8080),
			step("ready", zdServers("", ""), 8080, 8081),
			step("weights 100/0", zdServers(", weight = 100", ", weight = 0"), 8080),
			step("weights 90/10", zdServers(", weight = 90", ", weight = 10"), 8080, 8081),
			step("weights 0/100", zdServers(", weight = 0", ", weight = 100"), 8081),
			{
				// A state typed on the admin socket is drift.
				PreConfig:          maint,
				Config:             zdConfig(m, name, zdServers(", weight = 0", ", weight = 100")),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				// The apply repairs it live.
				Config: zdConfig(m, name, zdServers(", weight = 0", ", weight = 100")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("servers").AtSliceIndex(0).AtMapKey("admin_state"), knownvalue.StringExact("ready")),
				},
				Check: resource.TestCheckResourceAttr("data.switchyard_host.zd", "reloads", "0"),
			},
			// For comparison, and to show the reload counter counts:
			// turning a health check on cannot go live and reloads once
			// (a port change goes live: acc_zerodowntime_servers_test.go).
			loadStep("check added (reload)", `[
    { name = "app8080", address = "127.0.0.1", port = 8080, weight = 0 },
    { name = "app8081", address = "127.0.0.1", port = 8081, weight = 100, check = true },
  ]`, "1", 8081),
		},
	})
}
