package provider

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
)

// Runtime state across reloads (issue 10, item 5): switchyard_haproxy's
// server_state_file is on by default, the agent saves `show servers state`
// right before each reload, and the new workers start from it. Each test
// sets switchyard_haproxy on the shared lab machine, so each puts global and
// defaults back when it ends (keepGlobalAndDefaults).

// stateFilePath is server_state_file's default.
const stateFilePath = "/var/lib/haproxy/server-state"

// serversState asks the running HAProxy for `show servers state backend`
// and returns, per server name, each column by name.
func serversState(m lab.Machine, backend string) (map[string]map[string]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
	defer cancel()
	out, _, err := m.Run(ctx, "sh", "-c", `printf 'show servers state %s\n' "$1" | socat "$2" -`, "sh", backend, api.DefaultHAProxySettings().RuntimeSocket)
	if err != nil {
		return nil, fmt.Errorf("show servers state %s on %s: %w", backend, m.Name, err)
	}
	var cols []string
	servers := map[string]map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0 || (len(f) == 1 && f[0] == "1"):
		case f[0] == "#":
			cols = f[1:]
		case len(cols) == 0:
			return nil, fmt.Errorf("show servers state %s on %s: %q", backend, m.Name, out)
		default:
			row := map[string]string{}
			for i, c := range cols {
				if i < len(f) {
					row[c] = f[i]
				}
			}
			servers[row["srv_name"]] = row
		}
	}
	if len(servers) == 0 {
		return nil, fmt.Errorf("show servers state %s on %s: no servers in %q", backend, m.Name, out)
	}
	return servers, nil
}

// testCheckServerState checks one column of one server in the running
// HAProxy: srv_admin_state 8 is drain (set at runtime), srv_op_state 0 is
// DOWN and 2 UP.
func testCheckServerState(m lab.Machine, backend, server, column, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		st, err := serversState(m, backend)
		if err != nil {
			return err
		}
		if got := st[server][column]; got != want {
			return fmt.Errorf("%s/%s on %s: %s = %q, want %q (%v)", backend, server, m.Name, column, got, want, st[server])
		}
		return nil
	}
}

// waitServerState waits until a health check has moved server to op state
// want (checks run every few seconds), up to 30 s.
func waitServerState(m lab.Machine, backend, server, want string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		deadline := time.Now().Add(30 * time.Second)
		for {
			err := testCheckServerState(m, backend, server, "srv_op_state", want)(s)
			if err == nil || time.Now().After(deadline) {
				return err
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
}

// testCheckNoStateFileLeft checks that the agent removed the state file
// once the reload was done: a later reload by hand must not load it.
func testCheckNoStateFileLeft(m lab.Machine) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
		defer cancel()
		if _, _, err := m.Run(ctx, "test", "!", "-e", stateFilePath); err != nil {
			return fmt.Errorf("%s is still on %s after the reload", stateFilePath, m.Name)
		}
		return nil
	}
}

// stateConfig is switchyard_haproxy (haproxyAttrs inside it), the backend
// under test, an unrelated backend whose balance algorithm a step changes
// (a change that always reloads), and the host data source for the
// apply's reload count.
func stateConfig(m lab.Machine, haproxyAttrs, name, servers, other, otherBalance string) string {
	return providerBlock(m, "") + fmt.Sprintf(`
resource "switchyard_haproxy" "this" {
  %s
}

resource "switchyard_backend" "zd" {
  name       = %q
  servers    = %s
  depends_on = [switchyard_haproxy.this]
}

resource "switchyard_backend" "other" {
  name       = %q
  balance    = %q
  servers    = [{ name = "app8082", address = "127.0.0.1", port = 8082 }]
  depends_on = [switchyard_haproxy.this]
}

data "switchyard_host" "zd" {
  depends_on = [switchyard_backend.zd, switchyard_backend.other]
}
`, haproxyAttrs, name, servers, other, otherBalance)
}

// unrelatedReload is a step that changes only the other backend's balance
// algorithm under a request loop for backend name: one reload, 0 failed.
func unrelatedReload(t *testing.T, m lab.Machine, load **loadLoop, op, name, config string, checks ...resource.TestCheckFunc) resource.TestStep {
	return resource.TestStep{
		PreConfig: func() { *load = startLoad(m, name) },
		Config:    config,
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction("switchyard_backend.other", plancheck.ResourceActionUpdate),
				plancheck.ExpectResourceAction("switchyard_backend.zd", plancheck.ResourceActionNoop),
				plancheck.ExpectResourceAction(haproxyAddr, plancheck.ResourceActionNoop),
			},
			PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
		},
		Check: resource.ComposeAggregateTestCheckFunc(append([]resource.TestCheckFunc{
			func(*terraform.State) error { return (*load).finish(t, op) },
			resource.TestCheckResourceAttr("data.switchyard_host.zd", "reloads", "1"),
		}, checks...)...),
	}
}

// A drained server stays drained, at its configured weight, across a
// reload caused by a change to another backend, and takes no request during
// or after it. The drain is set live (the server ran before at weight 50),
// as an operator drains a server in service. The agent only re-sets the
// drains of the backends a batch changes, so without the state file the
// server would come back ready at the file's weight 0, which
// SWITCHYARD_ACC_STATE_FILE_OFF=1 shows.
func TestAccStateFile_drainSurvivesReload(t *testing.T) {
	m := testMachine(t)
	keepGlobalAndDefaults(t, m)
	name := acctest.RandomWithPrefix("acc-sf-drain")
	other := acctest.RandomWithPrefix("acc-sf-other")
	ready := zdServers(", weight = 50", "")
	drained := zdServers(`, weight = 50, admin_state = "drain"`, "")
	haproxyAttrs := stateFileAttrsFromEnv()
	var load *loadLoop
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testCheckBackendsGone(m, name, other),
		Steps: []resource.TestStep{
			{Config: stateConfig(m, haproxyAttrs, name, ready, other, "roundrobin")},
			{
				Config: stateConfig(m, haproxyAttrs, name, drained, other, "roundrobin"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("data.switchyard_host.zd", "reloads", "0"),
					testCheckServerState(m, name, "app8080", "srv_admin_state", "8"),
				),
			},
			unrelatedReload(t, m, &load, "drain across an unrelated reload", name, stateConfig(m, haproxyAttrs, name, drained, other, "leastconn"),
				testCheckServerState(m, name, "app8080", "srv_admin_state", "8"),
				testCheckServerState(m, name, "app8080", "srv_uweight", "50"),
				func(*terraform.State) error {
					if n := load.byPort[8080]; n > 0 {
						return fmt.Errorf("the drained app8080 answered %d requests during the reload", n)
					}
					return nil
				},
				servedOnly(m, name, 8081),
				testCheckNoStateFileLeft(m),
			),
			{
				// HAProxy takes a saved port over the file's: the agent
				// leaves a server whose port changes out of the state file,
				// so the new port is the one that serves.
				Config: stateConfig(m, haproxyAttrs, name, `[
    { name = "app8080", address = "127.0.0.1", port = 8080, weight = 50, admin_state = "drain" },
    { name = "app8081", address = "127.0.0.1", port = 8082 },
  ]`, other, "leastconn"),
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckServerState(m, name, "app8081", "srv_port", "8082"),
					testCheckServerState(m, name, "app8080", "srv_admin_state", "8"),
					servedOnly(m, name, 8082),
				),
			},
		},
	})
}

// A server that its health check marks DOWN is still DOWN right after a
// reload caused by a change to another backend, and no request goes to it.
// Without the state file the new workers start it UP and send it requests
// until their first check fails (its inter is long so that the window is
// wide): server_state_file = "" makes this test fail.
func TestAccStateFile_healthSurvivesReload(t *testing.T) {
	m := testMachine(t)
	keepGlobalAndDefaults(t, m)
	name := acctest.RandomWithPrefix("acc-sf-health")
	other := acctest.RandomWithPrefix("acc-sf-other")
	servers := `[
    { name = "app8080", address = "127.0.0.1", port = 8080, check = true },
    { name = "down8099", address = "127.0.0.1", port = 8099, check = true, inter = "10s" },
  ]`
	haproxyAttrs := stateFileAttrsFromEnv()
	var load *loadLoop
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testCheckBackendsGone(m, name, other),
		Steps: []resource.TestStep{
			{
				Config: stateConfig(m, haproxyAttrs, name, servers, other, "roundrobin"),
				Check: resource.ComposeAggregateTestCheckFunc(
					waitServerState(m, name, "down8099", "0"),
					testCheckServerState(m, name, "app8080", "srv_op_state", "2"),
				),
			},
			unrelatedReload(t, m, &load, "health state across an unrelated reload", name, stateConfig(m, haproxyAttrs, name, servers, other, "leastconn"),
				testCheckServerState(m, name, "down8099", "srv_op_state", "0"),
				servedOnly(m, name, 8080),
			),
			{
				// Its check removed (a reload), the server is UP as HAProxy
				// starts an unchecked server: a saved DOWN would keep it
				// down for good, with nothing left to check it.
				Config: stateConfig(m, haproxyAttrs, name, `[
    { name = "app8080", address = "127.0.0.1", port = 8080, check = true },
    { name = "down8099", address = "127.0.0.1", port = 8099 },
  ]`, other, "leastconn"),
				Check: testCheckServerState(m, name, "down8099", "srv_op_state", "2"),
			},
		},
	})
}

// stateFileAttrsFromEnv is "" (the default: state file on), or, with
// SWITCHYARD_ACC_STATE_FILE_OFF=1, a switchyard_haproxy that turns the state
// file off: the way to see the two tests above fail without it.
func stateFileAttrsFromEnv() string {
	if os.Getenv("SWITCHYARD_ACC_STATE_FILE_OFF") == "1" {
		return `server_state_file = ""`
	}
	return ""
}

// Both settings are in haproxy.cfg after apply; removing them by hand is
// drift, and the apply puts them back; "" turns both off.
func TestAccStateFile_settingsAndDrift(t *testing.T) {
	m := testMachine(t)
	keepGlobalAndDefaults(t, m)
	config := providerBlock(m, "") + `
resource "switchyard_haproxy" "this" {}
`
	globalLines := []string{"server-state-file " + stateFilePath, "hard-stop-after 1800000"}
	defaultsLine := "load-server-state-from-file global"
	removeByHand := func() {
		editConfig(t, m, func(cfg string) (string, error) {
			var keep []string
			removed := 0
			for _, l := range strings.Split(cfg, "\n") {
				w := strings.Join(strings.Fields(l), " ")
				if w == globalLines[0] || w == globalLines[1] || w == defaultsLine {
					removed++
					continue
				}
				keep = append(keep, l)
			}
			if removed != 3 {
				return "", fmt.Errorf("found %d of the 3 lines to remove", removed)
			}
			return strings.Join(keep, "\n"), nil
		})
	}
	inFile := resource.ComposeAggregateTestCheckFunc(
		testCheckConfigHas(m, "global", globalLines...),
		testCheckConfigHas(m, "defaults base", defaultsLine),
	)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					inFile,
					resource.TestCheckResourceAttr(haproxyAddr, "server_state_file", stateFilePath),
					resource.TestCheckResourceAttr(haproxyAddr, "hard_stop_after", "30m"),
				),
			},
			{
				PreConfig:          removeByHand,
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(haproxyAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: inFile,
			},
			{
				Config: providerBlock(m, "") + `
resource "switchyard_haproxy" "this" {
  server_state_file = ""
  hard_stop_after   = ""
}
`,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: testCheckConfigLacks(m, "server-state-file", "hard-stop-after", "load-server-state-from-file"),
			},
		},
	})
}

// testCheckConfigLacks checks that no line of haproxy.cfg starts with any
// of the keywords.
func testCheckConfigLacks(m lab.Machine, keywords ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		cfg, err := readConfig(m)
		if err != nil {
			return err
		}
		for _, l := range strings.Split(cfg, "\n") {
			for _, k := range keywords {
				if f := strings.Fields(l); len(f) > 0 && f[0] == k {
					return fmt.Errorf("%q is still in %s on %s", strings.TrimSpace(l), labConfigFile, m.Name)
				}
			}
		}
		return nil
	}
}
