package provider

import (
	"context"
	"fmt"
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

	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
)

// An HTTP health check with a short inter takes a server where nothing
// listens out of rotation, and the backend's own http-request rules are
// written with it.
func TestAccBackendExt_healthCheck(t *testing.T) {
	m := testMachine(t)
	name := acctest.RandomWithPrefix("acc-hc")
	addr := "switchyard_backend.hc"
	config := providerBlock(m, "") + fmt.Sprintf(`
resource "switchyard_backend" "hc" {
  name         = %q
  http_request = ["set-header X-Switchyard acc"]
  http_check   = { uri = "/health" }
  servers = [
    { name = "app8080", address = "127.0.0.1", port = 8080, check = true, inter = "1s", maxconn = 50 },
    { name = "dead8099", address = "127.0.0.1", port = 8099, check = true, inter = "1s" },
  ]
}
`, name)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testCheckBackendsGone(m, name),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("http_check"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"method": knownvalue.StringExact("GET"),
						"uri":    knownvalue.StringExact("/health"),
					})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("servers").AtSliceIndex(0).AtMapKey("inter"), knownvalue.StringExact("1s")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("servers").AtSliceIndex(0).AtMapKey("maxconn"), knownvalue.Int64Exact(50)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("servers").AtSliceIndex(1).AtMapKey("maxconn"), knownvalue.Null()),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckSectionHas(m, name,
						"option httpchk GET /health",
						"http-request set-header X-Switchyard acc",
						"server app8080 127.0.0.1:8080 check inter 1000 maxconn 50",
						"server dead8099 127.0.0.1:8099 check inter 1000"),
					testCheckServerStates(m, name, map[string]string{"app8080": "2", "dead8099": "0"}),
					testCheckServedBy(m, name, 8080),
				),
			},
			{
				Config:            config,
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     name,
				ImportStateVerify: true,
			},
		},
	})
}

// testCheckSectionHas checks that the backend's section has each line.
func testCheckSectionHas(m lab.Machine, name string, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		cfg, err := readConfig(m)
		if err != nil {
			return err
		}
		lines := strings.Split(cfg, "\n")
		start, end, ok := findSection(lines, name)
		if !ok {
			return fmt.Errorf("haproxy.cfg has no backend %s", name)
		}
		have := map[string]bool{}
		for _, l := range lines[start:end] {
			have[strings.Join(strings.Fields(l), " ")] = true
		}
		for _, w := range want {
			if !have[w] {
				return fmt.Errorf("backend %s lacks %q:\n%s", name, w, strings.Join(lines[start:end], "\n"))
			}
		}
		return nil
	}
}

// testCheckServerStates waits (at most 10 s: with inter 1s and the default
// fall 3, a dead server is DOWN after about 3 s) until each server has the
// wanted srv_op_state in `show servers state` (0 DOWN, 2 UP).
func testCheckServerStates(m lab.Machine, backend string, want map[string]string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		var got map[string]string
		for deadline := time.Now().Add(10 * time.Second); ; {
			var err error
			if got, err = serverStates(m, backend); err != nil {
				return err
			}
			match := len(got) == len(want)
			for srv, st := range want {
				match = match && got[srv] == st
			}
			if match {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("backend %s: server op states %v, want %v (0 DOWN, 2 UP)", backend, got, want)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
}

// serverStates maps server name to srv_op_state from the runtime API. The
// backend name is passed to sh as an argument, never spliced into the script.
func serverStates(m lab.Machine, backend string) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
	defer cancel()
	out, _, err := m.Run(ctx, "sh", "-c", `echo "show servers state $1" | socat /run/haproxy/admin.sock -`, "sh", backend)
	if err != nil {
		return nil, fmt.Errorf("show servers state %s: %w", backend, err)
	}
	// Lines: "1" (format version), "# be_id be_name srv_id srv_name
	// srv_addr srv_op_state …", then one line per server.
	states := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) < 6 || strings.HasPrefix(l, "#") || f[1] != backend {
			continue
		}
		states[f[3]] = f[5]
	}
	return states, nil
}
