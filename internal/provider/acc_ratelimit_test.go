package provider

// Acceptance tests of stick tables (issue 12): a rate limit keyed on a
// request header, so that two "clients" can be told apart although every
// test request comes from this one address, and the proof that its counters
// survive a reload only through the peers section. Frontends bind ports
// 8160-8164.

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
)

// rlLimit is the requests per minute one client may send.
const rlLimit = 5

// rlStatuses sends n requests as client (the X-Client header) and returns
// their statuses in order.
func rlStatuses(m lab.Machine, port int, client string, n int) ([]int, error) {
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var out []int
	for i := range n {
		req, err := http.NewRequest(http.MethodGet, feFrontendURL(m, port, fmt.Sprintf("/rl/%d", i)), nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("X-Client", client)
		resp, err := hc.Do(req)
		if err != nil {
			return nil, err
		}
		_ = resp.Body.Close() // status only
		out = append(out, resp.StatusCode)
	}
	return out, nil
}

// rlCheck fails unless n requests as client get exactly want.
func rlCheck(m lab.Machine, port int, client string, want ...int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, err := rlStatuses(m, port, client, len(want))
		if err != nil {
			return err
		}
		if !slices.Equal(got, want) {
			return fmt.Errorf("client %q: statuses %v, want %v", client, got, want)
		}
		return nil
	}
}

func repeat(status, n int) []int { return slices.Repeat([]int{status}, n) }

// rlCheckReloaded fails unless HAProxy's workers changed since before.
func rlCheckReloaded(m lab.Machine, before *[]int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		now, err := workerPIDs(m)
		if err != nil {
			return err
		}
		if slices.Equal(*before, now) {
			return fmt.Errorf("HAProxy's workers are still %v: the apply did not reload, so it proves nothing about reloads", now)
		}
		return nil
	}
}

func rlFrontend(name string, m lab.Machine, port int, table string) string {
	return fmt.Sprintf(`
resource "switchyard_frontend" "limited" {
  name            = %q
  binds           = [{ address = %q, port = %d }]
  default_backend = switchyard_backend.web.name
  stick_table     = %s
  http_request = [
    "track-sc0 req.hdr(X-Client)",
    "deny deny_status 429 if { sc_http_req_rate(0) gt %d }",
  ]
}
`, name, m.Address, port, table, rlLimit)
}

// TestAccRateLimit_burst proves the limit on real requests, and that a
// client's counter survives a reload caused by an unrelated change: the
// client over its limit before the reload is still limited after it. On
// HAProxy 2.6 that takes the agent's wait before the reload (a worker hands
// its tables over only once its peers resync is finished, up to 10 s after
// it started; see internal/agent/haproxy/peerssync.go). The test restarts
// HAProxy first, so it runs alone (the acceptance lock) like any test that
// stops the service.
func TestAccRateLimit_burst(t *testing.T) {
	m := testMachine(t)
	be := acctest.RandomWithPrefix("acc-rl")
	other := acctest.RandomWithPrefix("acc-rl-other")
	fe := acctest.RandomWithPrefix("acc-rl")
	const port = 8160
	table := `{ type = "string", key_length = 32, size = "1k", expire = "2m", store = ["http_req_rate(1m)"] }`
	base := providerBlock(m, "") + backendBlock("web", be, "", 8080)
	config := base + rlFrontend(fe, m, port, table)
	// Another backend: a change that has nothing to do with the limit but
	// reloads HAProxy.
	withOther := config + backendBlock("other", other, "", 8081)
	var workers []int
	// Each client gets a name of its own per run: a table kept from an
	// earlier run must not count for this one.
	run := acctest.RandString(6)
	a, b, c := "a-"+run, "b-"+run, "c-"+run
	burst := append(repeat(http.StatusOK, rlLimit), repeat(http.StatusTooManyRequests, 3)...)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			feTestCheckFrontendGone(m, fe), testCheckBackendsGone(m, be, other)),
		Steps: []resource.TestStep{
			{
				// The hardest case for the hand-over, whatever the lab's
				// history: a fresh worker (no predecessor) is told to stop
				// by this step's reload before its resync can finish, so
				// the workers it starts can hand tables over only 10 s
				// later, and the next step's reload comes sooner than that.
				PreConfig: func() { runOnMachine(t, m, "systemctl", "restart", "haproxy") },
				Config:    config,
				Check: resource.ComposeAggregateTestCheckFunc(
					// A burst of 8: the first rlLimit pass, the rest are limited.
					rlCheck(m, port, a, burst...),
					// Another client is not.
					rlCheck(m, port, b, http.StatusOK),
					resource.TestCheckResourceAttr("switchyard_frontend.limited", "stick_table.size", "1k"),
					resource.TestCheckResourceAttr("switchyard_frontend.limited", "stick_table.keep_on_reload", "true"),
					rlCheckConfigContains(m, "\npeers switchyard\n", "localpeer switchyard",
						"stick-table type string len 32 size 1024 expire 120000 peers switchyard store http_req_rate(1m)"),
				),
			},
			{
				PreConfig: func() { recordWorkers(t, m, &workers) },
				Config:    withOther,
				Check: resource.ComposeAggregateTestCheckFunc(
					rlCheckReloaded(m, &workers),
					// The counter came over with the table: a, limited
					// before the reload, still is (a counter started again
					// would let it through).
					rlCheck(m, port, a, http.StatusTooManyRequests),
					// The new workers limit as the old ones did.
					rlCheck(m, port, c, burst...),
					rlCheck(m, port, b, http.StatusOK),
				),
			},
		},
	})
}

func TestAccRateLimit_importDriftBadInput(t *testing.T) {
	m := testMachine(t)
	be := acctest.RandomWithPrefix("acc-rl-imp")
	fe := acctest.RandomWithPrefix("acc-rl-imp")
	const port = 8161
	base := providerBlock(m, "") + backendBlock("web", be, "", 8080)
	// In HAProxy's own units, so that the import reads the same spelling.
	config := base + rlFrontend(fe, m, port, `{ type = "ip", size = "100", expire = "10s", store = ["http_req_rate(10s)", "conn_cur"] }`)
	backendTable := fmt.Sprintf(`
resource "switchyard_backend" "counted" {
  name        = %q
  servers     = %s
  stick_table = { type = "integer", size = "10k" }
}
`, be+"-b", labServers(8081))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			feTestCheckFrontendGone(m, fe), testCheckBackendsGone(m, be, be+"-b")),
		Steps: []resource.TestStep{
			{
				Config:      base + rlFrontend(fe, m, port, `{ type = "ip", size = "1k", store = ["http_req_rate"] }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)switchyard_frontend\.limited.*` + words("http_req_rate takes a period")),
			},
			{
				Config:      base + rlFrontend(fe, m, port, `{ type = "ip", size = "1k", key_length = 16 }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)switchyard_frontend\.limited.*` + words("key_length applies to the types")),
			},
			{
				Config:      base + rlFrontend(fe, m, port, `{ type = "ip", size = "1kb" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)switchyard_frontend\.limited.*` + words(`size "1kb" is not a number of entries`)),
			},
			{
				Config: config + backendTable,
				Check: resource.ComposeAggregateTestCheckFunc(
					rlCheck(m, port, "x", http.StatusOK),
					rlCheckConfigContains(m, "stick-table type integer size 10240 peers switchyard"),
					resource.TestCheckResourceAttr("switchyard_backend.counted", "stick_table.size", "10k"),
				),
			},
			{
				ResourceName:      "switchyard_frontend.limited",
				ImportState:       true,
				ImportStateId:     fe,
				ImportStateVerify: true,
			},
			{
				ResourceName:      "switchyard_backend.counted",
				ImportState:       true,
				ImportStateId:     be + "-b",
				ImportStateVerify: true,
				// Read back in HAProxy's units: 10240 entries.
				ImportStateVerifyIgnore: []string{"stick_table.size"},
			},
			{
				PreConfig: func() {
					editConfig(t, m, func(cfg string) (string, error) {
						return feReplaceOnce(cfg, "stick-table type ip size 100 expire 10000", "stick-table type ip size 200 expire 10000")
					})
				},
				Config:             config + backendTable,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config + backendTable,
				Check:  rlCheckConfigContains(m, "stick-table type ip size 100 expire 10000"),
			},
		},
	})
}

// rlCheckConfigContains fails unless haproxy.cfg on m holds every snippet.
func rlCheckConfigContains(m lab.Machine, snippets ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		cfg, err := readConfig(m)
		if err != nil {
			return err
		}
		for _, s := range snippets {
			if !strings.Contains(cfg, s) {
				return fmt.Errorf("haproxy.cfg on %s lacks %q", m.Name, s)
			}
		}
		return nil
	}
}
