package provider

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
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

// Circuit breaking, retries and TCP mode (issue 12) on a lab machine: next
// to the lab apps 8080 and 8081, a third instance that answers 500 to
// everything runs as a switchyard_service in a namespace of its own.

// badAppScript answers every GET with 500; the port is its argument.
const badAppScript = `import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(500)
        self.send_header("Content-Length", "4")
        self.end_headers()
        self.wfile.write(b"bad\n")
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
`

// echoScript sends back every byte it receives; the port is its argument.
const echoScript = `import socketserver, sys
class H(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            data = self.request.recv(65536)
            if not data:
                return
            self.request.sendall(data)
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
`

const (
	badAppPort = 9500
	echoPort   = 9700
	// tcpFrontendPort is the tcp frontend's port on the machine's address.
	tcpFrontendPort = 8171
	// cbErrorLimit is the circuit breaker's error_limit.
	cbErrorLimit = 3
)

// namespacedService is a switchyard_namespace and a python3 service in it.
func namespacedService(ns, svc, script string, port int) string {
	return fmt.Sprintf(`
resource "switchyard_namespace" "app" {
  name = %[1]q
}

resource "switchyard_service" "app" {
  name           = %[2]q
  description    = "acceptance test of issue 12"
  exec_start     = ["/usr/bin/python3", "-c", %[3]q, "%[4]d"]
  namespace      = switchyard_namespace.app.name
  readiness_port = %[4]d
}
`, ns, svc, script, port)
}

func resilienceConfig(m lab.Machine, ns, svc, cb, rt string) string {
	// The bad server stays down once marked: its TCP check passes, so
	// only rise checks at inter would bring it back, long after the test.
	servers := func(extra string) string {
		return fmt.Sprintf(`[
    { name = "app8080", address = "127.0.0.1", port = 8080 %[1]s },
    { name = "app8081", address = "127.0.0.1", port = 8081 %[1]s },
    { name = "bad", address = "127.0.0.1", port = %[2]d, namespace = switchyard_namespace.app.name %[1]s },
  ]`, extra, badAppPort)
	}
	return providerBlock(m, "") + namespacedService(ns, svc, badAppScript, badAppPort) + fmt.Sprintf(`
resource "switchyard_backend" "cb" {
  name    = %[1]q
  servers = %[3]s
  depends_on = [switchyard_service.app]
}

resource "switchyard_backend" "rt" {
  name            = %[2]q
  retries         = 3
  retry_on        = ["500"]
  redispatch      = true
  timeout_server  = "5s"
  timeout_connect = "1s"
  timeout_queue   = "2s"
  servers         = %[4]s
  depends_on      = [switchyard_service.app]
}
`, cb, rt,
		servers(fmt.Sprintf(`, check = true, inter = "10s", rise = 100, fall = 3, observe = "layer7", error_limit = %d, on_error = "mark-down"`, cbErrorLimit)),
		servers(""))
}

// TestAccResilience_circuitBreakingAndRetries: the 500 server is marked
// down after error_limit errors and a request loop then sees only 200s;
// on the retrying backend, a loop from the start sees no failure although
// the bad server takes its share of first attempts. Then import and drift
// of the new attributes.
func TestAccResilience_circuitBreakingAndRetries(t *testing.T) {
	m := testMachine(t)
	ns := acctest.RandomWithPrefix("acc-rs")
	svc := ns + "-bad"
	cb := ns + "-cb"
	rt := ns + "-rt"
	config := resilienceConfig(m, ns, svc, cb, rt)
	bad := tfjsonpath.New("servers").AtSliceIndex(2)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testCheckBackendsGone(m, cb, rt),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("switchyard_backend.cb", bad.AtMapKey("observe"), knownvalue.StringExact("layer7")),
					statecheck.ExpectKnownValue("switchyard_backend.cb", bad.AtMapKey("error_limit"), knownvalue.Int64Exact(cbErrorLimit)),
					statecheck.ExpectKnownValue("switchyard_backend.cb", bad.AtMapKey("on_error"), knownvalue.StringExact("mark-down")),
					statecheck.ExpectKnownValue("switchyard_backend.cb", tfjsonpath.New("retries"), knownvalue.Null()),
					statecheck.ExpectKnownValue("switchyard_backend.rt", bad.AtMapKey("observe"), knownvalue.Null()),
					statecheck.ExpectKnownValue("switchyard_backend.rt", tfjsonpath.New("retry_on"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("500")})),
					statecheck.ExpectKnownValue("switchyard_backend.rt", tfjsonpath.New("timeout_connect"), knownvalue.StringExact("1s")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckSectionHas(m, cb,
						fmt.Sprintf("server bad 127.0.0.1:%d check error-limit %d fall 3 inter 10000 namespace %s observe layer7 on-error mark-down rise 100", badAppPort, cbErrorLimit, ns)),
					testCheckSectionHas(m, rt, "retries 3", "retry-on 500", "option redispatch",
						"timeout server 5000", "timeout connect 1000", "timeout queue 2000"),
					testCheckRetriesHideBadServer(t, m, rt),
					testCheckCircuitBreaks(t, m, cb),
				),
			},
			{
				Config:            config,
				ResourceName:      "switchyard_backend.cb",
				ImportState:       true,
				ImportStateId:     cb,
				ImportStateVerify: true,
			},
			{
				Config:            config,
				ResourceName:      "switchyard_backend.rt",
				ImportState:       true,
				ImportStateId:     rt,
				ImportStateVerify: true,
			},
			{
				// A hand edit of a server keyword is a difference...
				PreConfig: func() {
					replaceInSection(t, m, cb, fmt.Sprintf("error-limit %d", cbErrorLimit), "error-limit 7")
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				// ...that the apply repairs, in that backend only.
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("switchyard_backend.cb", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("switchyard_backend.rt", plancheck.ResourceActionNoop),
					},
				},
				Check: testCheckSectionHas(m, cb, fmt.Sprintf("server bad 127.0.0.1:%d check error-limit %d fall 3 inter 10000 namespace %s observe layer7 on-error mark-down rise 100", badAppPort, cbErrorLimit, ns)),
			},
			{
				// So is one of a backend setting.
				PreConfig: func() {
					replaceInSection(t, m, rt, "retry-on 500", "retry-on 503")
					replaceInSection(t, m, rt, "timeout queue 2000", "timeout queue 9000")
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("switchyard_backend.rt", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("switchyard_backend.cb", plancheck.ResourceActionNoop),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: testCheckSectionHas(m, rt, "retry-on 500", "timeout queue 2000"),
			},
		},
	})
}

// replaceInSection replaces old (which must be there) in backend's section
// by hand and reloads HAProxy.
func replaceInSection(t *testing.T, m lab.Machine, backend, old, repl string) {
	t.Helper()
	editSection(t, m, backend, func(lines []string) ([]string, error) {
		for i, l := range lines {
			if strings.Contains(l, old) {
				lines[i] = strings.Replace(l, old, repl, 1)
				return lines, nil
			}
		}
		return nil, fmt.Errorf("no line has %q", old)
	})
}

// testCheckCircuitBreaks sends requests one at a time until the bad server
// has answered error_limit 500s, checks HAProxy then marks it DOWN, and
// runs the bounded request loop, which must see only 200s from the lab apps.
func testCheckCircuitBreaks(t *testing.T, m lab.Machine, backend string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		errors, sent := 0, 0
		for ; errors < cbErrorLimit && sent < 10*cbErrorLimit; sent++ {
			status, err := statusThrough(client, m, backend, fmt.Sprintf("/cb/%d", sent))
			if err != nil {
				return err
			}
			if status == http.StatusInternalServerError {
				errors++
			}
		}
		if errors < cbErrorLimit {
			return fmt.Errorf("backend %s: %d 500s in %d requests, want %d (round robin over 3 servers)", backend, errors, sent, cbErrorLimit)
		}
		if err := testCheckServerStates(m, backend, map[string]string{"app8080": "2", "app8081": "2", "bad": "0"})(nil); err != nil {
			return fmt.Errorf("after %d 500s in %d requests: %w", errors, sent, err)
		}
		l := startLoad(m, backend)
		if err := l.finish(t, "circuit broken"); err != nil {
			return err
		}
		if len(l.byPort) != 2 || l.byPort[8080] == 0 || l.byPort[8081] == 0 {
			return fmt.Errorf("backend %s: answered by %v, want both lab apps", backend, l.byPort)
		}
		t.Logf("circuit breaking: the bad server was DOWN after %d 500s in %d requests", errors, sent)
		return nil
	}
}

// testCheckRetriesHideBadServer runs the request loop from the start: no
// request may fail, while HAProxy's stats show the bad server took
// requests (each a 500 that was retried elsewhere).
func testCheckRetriesHideBadServer(t *testing.T, m lab.Machine, backend string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		l := startLoad(m, backend)
		if err := l.finish(t, "retried"); err != nil {
			return err
		}
		st, err := serverStats(m, backend)
		if err != nil {
			return err
		}
		t.Logf("retries: stats of backend %s: %v", backend, st)
		if n, _ := strconv.Atoi(st["bad"]["stot"]); n == 0 {
			return fmt.Errorf("backend %s: the bad server took no request (stats %v): nothing was retried", backend, st["bad"])
		}
		if n, _ := strconv.Atoi(st["BACKEND"]["wredis"]); n == 0 {
			return fmt.Errorf("backend %s: no redispatch in the stats %v", backend, st["BACKEND"])
		}
		return nil
	}
}

// statusThrough makes one request for backend through the lab frontend
// and returns the status; a 200 must come from a lab app.
func statusThrough(client *http.Client, m lab.Machine, backend, path string) (int, error) {
	req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("http://%s:%d%s", m.Address, lab.FrontendPort, path), nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("x-switchyard-backend", backend)
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("GET %s for backend %s: %w", path, backend, err)
	}
	defer func() { _ = resp.Body.Close() }() // only read
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode == http.StatusOK && !labAppBody.Match(body) {
		return 0, fmt.Errorf("GET %s for backend %s: unexpected answer %q", path, backend, body)
	}
	return resp.StatusCode, nil
}

// serverStats is `show stat` for one backend: by server name (and
// BACKEND), each column by its header name.
func serverStats(m lab.Machine, backend string) (map[string]map[string]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
	defer cancel()
	out, _, err := m.Run(ctx, "sh", "-c", `echo "show stat" | socat /run/haproxy/admin.sock -`)
	if err != nil {
		return nil, fmt.Errorf("show stat: %w", err)
	}
	lines := strings.Split(out, "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "# ") {
		return nil, fmt.Errorf("show stat: unexpected output %q", out)
	}
	header := strings.Split(strings.TrimPrefix(lines[0], "# "), ",")
	stats := map[string]map[string]string{}
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		if len(f) < 2 || f[0] != backend {
			continue
		}
		row := map[string]string{}
		for i, h := range header {
			if i < len(f) && (h == "stot" || h == "wretr" || h == "wredis" || h == "hrsp_5xx" || h == "status") {
				row[h] = f[i]
			}
		}
		stats[f[1]] = row
	}
	return stats, nil
}

// TestAccResilience_badInput: bad values are refused at plan time with a
// message that names the resource and the attribute.
func TestAccResilience_badInput(t *testing.T) {
	m := testMachine(t)
	name := acctest.RandomWithPrefix("acc-rs-bad")
	// Every server has check = true but the one that tests its absence.
	backend := func(attrs, server string) string {
		if !strings.Contains(server, "check =") {
			server = ", check = true" + server
		}
		return providerBlock(m, "") + fmt.Sprintf(`
resource "switchyard_backend" "bad" {
  name    = %q
  %s
  servers = [{ name = "app8080", address = "127.0.0.1", port = 8080 %s }]
}
`, name, attrs, server)
	}
	refused := func(config, attr, message string) resource.TestStep {
		return resource.TestStep{
			Config:      config,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)with switchyard_backend\.bad.*` + regexp.QuoteMeta(attr) + `.*` + words(message)),
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testCheckBackendsGone(m, name),
		Steps: []resource.TestStep{
			refused(backend("", `, on_error = "explode"`), "servers[0].on_error", `value must be one of`),
			refused(backend("", `, observe = "layer3"`), "servers[0].observe", `value must be one of`),
			refused(backend("", `, error_limit = 0`), "servers[0].error_limit", `value must be between 1`),
			refused(backend("", `, rise = -1`), "servers[0].rise", `value must be between 1`),
			refused(backend(`retry_on = ["418"]`, ""), "retry_on", `"418" is not a retry-on keyword`),
			refused(backend(`retry_on = ["none", "500"]`, ""), "retry_on", `"none" cannot be combined`),
			refused(backend(`retries = -1`, ""), "retries", `value must be between 0`),
			refused(backend(`timeout_queue = "soon"`, ""), "timeout_queue", `is not a duration`),
			refused(backend(`mode = "tcp"`, `, observe = "layer7"`), "servers[0].observe", `judges HTTP answers`),
			refused(backend(`mode = "tcp"
  retry_on = ["conn-failure"]`, ""), "retry_on", `only used by a backend in http mode`),
			refused(backend("", `, check = false, observe = "layer4"`), "servers[0].observe", `needs check = true`),
		},
	})
}

// TestAccResilience_tcpMode: a tcp frontend and backend in front of an echo
// service in a namespace; several connections each get their bytes back
// exactly. http-only attributes in tcp mode are refused at plan time. The
// frontend's tcp_request rules let the lab network in, are imported and
// read back for drift, and a rule that rejects it closes its connections.
func TestAccResilience_tcpMode(t *testing.T) {
	m := testMachine(t)
	_, labNet, err := net.ParseCIDR(m.Address + "/24")
	if err != nil {
		t.Fatal(err)
	}
	allowLab := fmt.Sprintf(`tcp_request = ["connection accept if { src %s }", "connection reject"]`, labNet)
	rejectLab := fmt.Sprintf(`tcp_request = ["connection reject if { src %s }"]`, labNet)
	ns := acctest.RandomWithPrefix("acc-tcp")
	svc := ns + "-echo"
	fe := ns + "-fe"
	be := ns + "-be"
	config := func(frontendExtra string) string {
		return providerBlock(m, "") + namespacedService(ns, svc, echoScript, echoPort) + fmt.Sprintf(`
resource "switchyard_backend" "echo" {
  name            = %[1]q
  mode            = "tcp"
  retries         = 2
  timeout_connect = "2s"
  servers = [
    { name = "echo", address = "127.0.0.1", port = %[3]d, namespace = switchyard_namespace.app.name, check = true, observe = "layer4", error_limit = 5, on_error = "fail-check" },
  ]
  depends_on = [switchyard_service.app]
}

resource "switchyard_frontend" "echo" {
  name            = %[2]q
  mode            = "tcp"
  binds           = [{ address = %[4]q, port = %[5]d }]
  default_backend = switchyard_backend.echo.name
  %[6]s
}
`, be, fe, echoPort, m.Address, tcpFrontendPort, frontendExtra)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			testCheckBackendsGone(m, be), feTestCheckFrontendGone(m, fe)),
		Steps: []resource.TestStep{
			{
				Config:      config(`http_request = ["deny"]`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)with switchyard_frontend\.echo.*` + words("http_request is not used by a frontend in tcp mode")),
			},
			{
				Config:      config(`forwardfor = true`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)with switchyard_frontend\.echo.*` + words("forwardfor is not used by a frontend in tcp mode")),
			},
			{
				Config:      config(`tcp_request = ["connection explode"]`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)with switchyard_frontend\.echo.*` + words(`"connection explode" is not a tcp-request rule`)),
			},
			{
				Config: config(allowLab),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckSectionHas(m, be, "mode tcp", "retries 2", "timeout connect 2000",
						fmt.Sprintf("server echo 127.0.0.1:%d check error-limit 5 namespace %s observe layer4 on-error fail-check", echoPort, ns)),
					testCheckConfigHas(m, "frontend "+fe, "mode tcp",
						fmt.Sprintf("tcp-request connection accept if { src %s }", labNet), "tcp-request connection reject"),
					testCheckEchoes(t, m, tcpFrontendPort, 8, 4096),
				),
			},
			{
				Config:            config(allowLab),
				ResourceName:      "switchyard_backend.echo",
				ImportState:       true,
				ImportStateId:     be,
				ImportStateVerify: true,
			},
			{
				Config:            config(allowLab),
				ResourceName:      "switchyard_frontend.echo",
				ImportState:       true,
				ImportStateId:     fe,
				ImportStateVerify: true,
			},
			{
				// A rule deleted by hand is a difference.
				PreConfig: func() {
					editConfig(t, m, func(cfg string) (string, error) {
						const line = "  tcp-request connection reject\n"
						if strings.Count(cfg, line) != 1 {
							return "", fmt.Errorf("want one %q in the file", line)
						}
						return strings.Replace(cfg, line, "", 1), nil
					})
				},
				Config:             config(allowLab),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config(rejectLab),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("switchyard_frontend.echo", plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: testCheckEchoRefused(m, tcpFrontendPort),
			},
		},
	})
}

// testCheckEchoes opens conns connections at once to port on m, sends each
// size random bytes and checks it gets exactly those bytes back.
func testCheckEchoes(t *testing.T, m lab.Machine, port, conns, size int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		errs := make([]error, conns)
		var wg sync.WaitGroup
		for i := range conns {
			wg.Go(func() { errs[i] = echoOnce(m, port, size*(i+1)) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				return fmt.Errorf("connection %d of %d: %w", i+1, conns, err)
			}
		}
		t.Logf("tcp mode: %d connections through %s:%d each got their %d to %d bytes back exactly", conns, m.Address, port, size, size*conns)
		return nil
	}
}

// testCheckEchoRefused checks that a connection to port gets nothing back.
func testCheckEchoRefused(m lab.Machine, port int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if err := echoOnce(m, port, 1024); err == nil {
			return fmt.Errorf("%s:%d echoed although a tcp-request rule rejects this client", m.Address, port)
		}
		return nil
	}
}

func echoOnce(m lab.Machine, port, size int) error {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(m.Address, strconv.Itoa(port)), 5*time.Second)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }() // the test's own connection
	if err := conn.SetDeadline(time.Now().Add(15 * time.Second)); err != nil {
		return err
	}
	sent := make([]byte, size)
	if _, err := rand.Read(sent); err != nil {
		return err
	}
	werr := make(chan error, 1)
	go func() {
		_, err := conn.Write(sent)
		werr <- err
	}()
	got := make([]byte, size)
	if _, err := io.ReadFull(conn, got); err != nil {
		return fmt.Errorf("reading the echo: %w", err)
	}
	if err := <-werr; err != nil {
		return fmt.Errorf("sending: %w", err)
	}
	if !bytes.Equal(sent, got) {
		return fmt.Errorf("%d bytes sent, a different %d came back", size, len(got))
	}
	return nil
}
