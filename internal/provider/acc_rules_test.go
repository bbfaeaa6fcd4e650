package provider

// Acceptance tests of the rule kinds of rulekinds.go (issue 12), each seen
// in real traffic: http_after_response on a frontend and a backend (also
// on a page HAProxy makes itself, which http_response never touches), and a
// backend's tcp_request and tcp_response content rules that close a
// connection. Ports 8186 and 8187.

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
)

const (
	rulesAfterPort = 8186
	rulesTCPPort   = 8187
)

// rulesCheckHeaders GETs path and checks the status and, for each header
// name, its value ("" for absent).
func rulesCheckHeaders(m lab.Machine, port int, path string, status int, headers map[string]string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		url := feFrontendURL(m, port, path)
		got, body, hdr, err := feFetch(url, "", "")
		if err != nil {
			return err
		}
		if got != status {
			return fmt.Errorf("GET %s: %d %q, want %d", url, got, body, status)
		}
		for name, want := range headers {
			if hdr.Get(name) != want {
				return fmt.Errorf("GET %s (%d): %s %q, want %q", url, got, name, hdr.Get(name), want)
			}
		}
		return nil
	}
}

func TestAccRules_httpAfterResponse(t *testing.T) {
	m := testMachine(t)
	be := acctest.RandomWithPrefix("acc-rules-after")
	fe := acctest.RandomWithPrefix("acc-rules-after")
	feAddr, beAddr := "switchyard_frontend.web", "switchyard_backend.web"
	config := func(feAfter, beAfter string) string {
		return providerBlock(m, "") + backendBlock("web", be, "http_after_response = "+beAfter, 8080) + fmt.Sprintf(`
resource "switchyard_frontend" "web" {
  name                = %q
  binds               = [{ address = %q, port = %d }]
  http_request        = ["deny deny_status 403 if { path_beg /denied }"]
  http_response       = ["set-header X-Response yes"]
  http_after_response = %s
  default_backend     = switchyard_backend.web.name
}
`, fe, m.Address, rulesAfterPort, feAfter)
	}
	good := config(`["set-header X-After yes"]`, `["set-header X-After-Backend yes"]`)
	served := rulesCheckHeaders(m, rulesAfterPort, "/ok", http.StatusOK,
		map[string]string{"X-After": "yes", "X-After-Backend": "yes", "X-Response": "yes"})
	// The 403 is HAProxy's own page, made in the frontend before a backend
	// is chosen: http_response does not run on it, http_after_response does.
	denied := rulesCheckHeaders(m, rulesAfterPort, "/denied", http.StatusForbidden,
		map[string]string{"X-After": "yes", "X-After-Backend": "", "X-Response": ""})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			feTestCheckFrontendGone(m, fe), testCheckBackendsGone(m, be)),
		Steps: []resource.TestStep{
			{
				Config:      config(`["deny"]`, `[]`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)http_after_response.*` + words(`unknown action "deny"`)),
			},
			{
				Config:      config(`[]`, `["set-header X-Only"]`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)http_after_response.*` + words(`is not an http-after-response rule`)),
			},
			{
				Config: good,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					served, denied,
					testCheckSectionHas(m, be, "http-after-response set-header X-After-Backend yes"),
				),
			},
			{ResourceName: feAddr, ImportState: true, ImportStateId: fe, ImportStateVerify: true},
			{ResourceName: beAddr, ImportState: true, ImportStateId: be, ImportStateVerify: true},
			{
				// A hand edit of a managed rule is drift, on both.
				PreConfig: func() {
					editConfig(t, m, func(cfg string) (string, error) {
						cfg, err := feReplaceOnce(cfg, "http-after-response set-header X-After yes", "http-after-response set-header X-After no")
						if err != nil {
							return "", err
						}
						return feReplaceOnce(cfg, "http-after-response set-header X-After-Backend yes", "http-after-response set-header X-After-Backend no")
					})
				},
				Config:             good,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: good,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(feAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction(beAddr, plancheck.ResourceActionUpdate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(served, denied),
			},
			{
				// Only HAProxy knows the fetch does not exist: refused at
				// apply with its message, and the machine keeps serving.
				Config: config(`["set-header X-After %[no_such_fetch]"]`, `["set-header X-After-Backend yes"]`),
				ExpectError: regexp.MustCompile(`(?s)` + words("Unable to Update Frontend") + `.*` + regexp.QuoteMeta(fe) +
					`.*` + words("HAProxy rejected the configuration") + `.*no_such_fetch`),
			},
			{
				PreConfig: func() {
					if err := served(nil); err != nil {
						t.Error(err)
					}
				},
				// An empty list removes the rules.
				Config: config(`[]`, `[]`),
				Check: resource.ComposeAggregateTestCheckFunc(
					rulesCheckHeaders(m, rulesAfterPort, "/denied", http.StatusForbidden, map[string]string{"X-After": ""}),
					rulesCheckHeaders(m, rulesAfterPort, "/ok", http.StatusOK, map[string]string{"X-After": "", "X-After-Backend": ""}),
				),
			},
		},
	})
}

// rulesTCPExchange sends one HTTP/1.0 request for path through the tcp
// frontend and returns the whole answer, or "" when HAProxy closed the
// connection without one (a reject).
func rulesTCPExchange(m lab.Machine, path string) (string, error) {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(m.Address, fmt.Sprint(rulesTCPPort)), 5*time.Second)
	if err != nil {
		return "", err
	}
	defer func() { _ = conn.Close() }() // read to the end already
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return "", err
	}
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.0\r\nHost: lab\r\n\r\n", path); err != nil {
		return "", err
	}
	var b strings.Builder
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		b.WriteString(sc.Text() + "\n")
	}
	if err := sc.Err(); err != nil && !strings.Contains(err.Error(), "connection reset") {
		return b.String(), err
	}
	return b.String(), nil
}

// rulesCheckTCP checks that a request for path is answered by the lab app,
// or closed without an answer.
func rulesCheckTCP(m lab.Machine, path string, answered bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, err := rulesTCPExchange(m, path)
		if err != nil {
			return fmt.Errorf("tcp %s: %w (got %q)", path, err, got)
		}
		if strings.Contains(got, "lab-app 8080") != answered {
			return fmt.Errorf("tcp %s: answered %q, want an answer from the lab app: %t", path, got, answered)
		}
		return nil
	}
}

func TestAccRules_backendTCP(t *testing.T) {
	m := testMachine(t)
	be := acctest.RandomWithPrefix("acc-rules-tcp")
	fe := acctest.RandomWithPrefix("acc-rules-tcp")
	beAddr := "switchyard_backend.web"
	// tcp-request: a request naming /tcp-reject is closed before it
	// reaches a server. tcp-response: an answer that carries the word
	// "tcp-secret" (the lab app echoes the path) is closed before it
	// reaches the client. Both wait for the data with an inspect-delay.
	const (
		reqRule  = "content reject if { req.payload(0,0) -m sub /tcp-reject }"
		respRule = "content reject if { res.payload(0,0) -m sub tcp-secret }"
	)
	config := func(tcpRequest, tcpResponse string) string {
		return providerBlock(m, "") + fmt.Sprintf(`
resource "switchyard_backend" "web" {
  name         = %[1]q
  mode         = "tcp"
  servers      = %[2]s
  tcp_request  = %[3]s
  tcp_response = %[4]s
}

resource "switchyard_frontend" "web" {
  name            = %[5]q
  mode            = "tcp"
  binds           = [{ address = %[6]q, port = %[7]d }]
  default_backend = switchyard_backend.web.name
}
`, be, labServers(8080), tcpRequest, tcpResponse, fe, m.Address, rulesTCPPort)
	}
	// The delays in milliseconds, as haproxy.cfg has them, so that an
	// import (which reads the machine's spelling) verifies equal;
	// spelled "2s", a delay keeps its spelling in state (rulekinds_test.go).
	good := config(hclList("inspect-delay 500", reqRule), hclList("inspect-delay 2000", respRule))
	spelled := config(hclList("inspect-delay 500ms", reqRule), hclList("inspect-delay 2s", respRule))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			feTestCheckFrontendGone(m, fe), testCheckBackendsGone(m, be)),
		Steps: []resource.TestStep{
			{
				Config:   config(hclList("connection reject"), "[]"),
				PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)tcp_request.*` +
					words("a backend takes only `content` and `inspect-delay` tcp-request rules")),
			},
			{
				Config:      config("[]", hclList("content explode")),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)tcp_response.*` + words(`is not a tcp-response rule HAProxy's configuration parser understands`)),
			},
			{
				Config: good,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckSectionHas(m, be, "tcp-request inspect-delay 500"),
					testCheckSectionHas(m, be, "tcp-response "+respRule),
					rulesCheckTCP(m, "/fine", true),
					rulesCheckTCP(m, "/tcp-reject", false),
					rulesCheckTCP(m, "/tcp-secret", false),
				),
			},
			{ResourceName: beAddr, ImportState: true, ImportStateId: be, ImportStateVerify: true},
			{
				// Another spelling of the same delays plans no change.
				Config: spelled,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(beAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: rulesCheckTCP(m, "/tcp-reject", false),
			},
			{
				// A rule removed by hand is drift.
				PreConfig: func() {
					editSection(t, m, be, func(lines []string) ([]string, error) {
						var out []string
						for _, l := range lines {
							if strings.TrimSpace(l) != "tcp-response "+respRule {
								out = append(out, l)
							}
						}
						if len(out) == len(lines) {
							return nil, fmt.Errorf("section %s lacks the tcp-response rule", be)
						}
						return out, nil
					})
				},
				Config:             good,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: good,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(beAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: rulesCheckTCP(m, "/tcp-secret", false),
			},
			{
				// Empty lists remove the rules: both paths are served.
				Config: config("[]", "[]"),
				Check: resource.ComposeAggregateTestCheckFunc(
					rulesCheckTCP(m, "/tcp-reject", true),
					rulesCheckTCP(m, "/tcp-secret", true),
				),
			},
		},
	})
}
