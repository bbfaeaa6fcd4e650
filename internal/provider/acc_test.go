package provider

// Acceptance tests: real terraform against real lab machines (internal/lab).
// Run with `make acc` against a lab started with `make lab-up`, or:
//
//	TF_ACC=1 TF_ACC_TERRAFORM_PATH=/usr/local/bin/terraform go test ./internal/provider/ -run TestAcc -v
//
// Every test works on the lab's first machine. They run one after another
// (resource.Test, not ParallelTest): some edit haproxy.cfg by hand over SSH,
// and a hand edit racing an agent transaction would make either side's
// result meaningless. Each test uses its own backend names, so a failed
// test's leftovers cannot confuse the next one.

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"golang.org/x/crypto/ssh"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
)

var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"switchyard": providerserver.NewProtocol6WithError(New("test")()),
}

// labConfigFile is where the lab machines keep haproxy.cfg (Debian's path).
var labConfigFile = api.DefaultHAProxySettings().ConfigFile

// testLab loads the running lab. Acceptance tests never skip for want of a
// lab: a missing lab is a broken test setup, and a skipped test reads as a
// passed one in a summary.
func testLab(t *testing.T) *lab.Lab {
	t.Helper()
	// resource.Test skips without TF_ACC; do the same before touching the
	// lab, so that a plain `go test ./...` stays a unit test run.
	if os.Getenv(resource.EnvTfAcc) == "" {
		t.Skipf("acceptance tests run only with %s=1 (make acc)", resource.EnvTfAcc)
	}
	dir := os.Getenv(lab.DirEnv)
	if dir == "" {
		dir = lab.DefaultDir
	}
	l, err := lab.Load(dir)
	if err != nil {
		if strings.HasPrefix(err.Error(), "lab not running") {
			t.Fatal(err)
		}
		t.Fatalf("lab not running: run `make lab-up` (%v)", err)
	}
	if len(l.Machines) == 0 {
		t.Fatalf("lab not running: run `make lab-up` (%s lists no machines)", dir)
	}
	return l
}

// testMachine is the machine every test uses.
func testMachine(t *testing.T) lab.Machine {
	t.Helper()
	return testLab(t).Machines[0]
}

// providerBlock points the provider at m with the lab's key and m's pinned
// host key; hostKey overrides the latter when not "".
func providerBlock(m lab.Machine, hostKey string) string {
	if hostKey == "" {
		hostKey = m.HostKey
	}
	return fmt.Sprintf(`
provider "switchyard" {
  host             = %q
  port             = %d
  user             = %q
  private_key_file = %q
  host_key         = %q
}
`, m.Address, m.Port, m.User, m.PrivateKeyPath, hostKey)
}

// labServers renders a servers list for the lab apps on the given ports,
// named app<port>.
func labServers(ports ...int) string {
	var b strings.Builder
	b.WriteString("[\n")
	for _, p := range ports {
		fmt.Fprintf(&b, "    { name = \"app%d\", address = \"127.0.0.1\", port = %d },\n", p, p)
	}
	b.WriteString("  ]")
	return b.String()
}

// backendBlock is a switchyard_backend resource; extra is more attributes.
func backendBlock(resourceName, name, extra string, ports ...int) string {
	return fmt.Sprintf(`
resource "switchyard_backend" %q {
  name    = %q
  servers = %s
  %s
}
`, resourceName, name, labServers(ports...), extra)
}

// serverValue is the state of a server from labServers with default options.
func serverValue(port int) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"name":        knownvalue.StringExact(fmt.Sprintf("app%d", port)),
		"address":     knownvalue.StringExact("127.0.0.1"),
		"port":        knownvalue.Int64Exact(int64(port)),
		"check":       knownvalue.Bool(false),
		"weight":      knownvalue.Null(),
		"backup":      knownvalue.Bool(false),
		"namespace":   knownvalue.Null(),
		"inter":       knownvalue.Null(),
		"maxconn":     knownvalue.Null(),
		"admin_state": knownvalue.StringExact(api.AdminReady),
		"observe":     knownvalue.Null(),
		"error_limit": knownvalue.Null(),
		"on_error":    knownvalue.Null(),
		"rise":        knownvalue.Null(),
		"fall":        knownvalue.Null(),
	})
}

// words matches a phrase however terraform wraps it across lines.
func words(phrase string) string {
	f := strings.Fields(phrase)
	for i := range f {
		f[i] = regexp.QuoteMeta(f[i])
	}
	return strings.Join(f, `\s+`)
}

func TestAccBackend_basic(t *testing.T) {
	m := testMachine(t)
	name := acctest.RandomWithPrefix("acc-basic")
	addr := "switchyard_backend.web"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testCheckBackendsGone(m, name),
		Steps: []resource.TestStep{{
			Config: providerBlock(m, "") + backendBlock("web", name, "", 8080, 8081, 8082),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(name)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact(name)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("mode"), knownvalue.StringExact("http")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("balance"), knownvalue.StringExact("roundrobin")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("servers"),
					knownvalue.ListExact([]knownvalue.Check{serverValue(8080), serverValue(8081), serverValue(8082)})),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				testCheckBackendInConfig(m, name),
				testCheckServedBy(m, name, 8080, 8081, 8082),
			),
		}},
	})
}

func TestAccBackend_update(t *testing.T) {
	m := testMachine(t)
	name := acctest.RandomWithPrefix("acc-update")
	addr := "switchyard_backend.web"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testCheckBackendsGone(m, name),
		Steps: []resource.TestStep{
			{
				Config: providerBlock(m, "") + backendBlock("web", name, "", 8080, 8081, 8082),
				Check:  testCheckServedBy(m, name, 8080, 8081, 8082),
			},
			{
				// static-rr rather than leastconn: its order is fixed, so 12
				// sequential requests reach both remaining servers for sure.
				Config: providerBlock(m, "") + backendBlock("web", name, `balance = "static-rr"`, 8080, 8081),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("balance"), knownvalue.StringExact("static-rr")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("servers"),
						knownvalue.ListExact([]knownvalue.Check{serverValue(8080), serverValue(8081)})),
				},
				Check: testCheckServedBy(m, name, 8080, 8081),
			},
		},
	})
}

func TestAccBackend_import(t *testing.T) {
	m := testMachine(t)
	name := acctest.RandomWithPrefix("acc-import")
	addr := "switchyard_backend.web"
	// Every server option set, so that ImportStateVerify compares them all.
	config := providerBlock(m, "") + fmt.Sprintf(`
resource "switchyard_backend" "web" {
  name    = %q
  mode    = "http"
  balance = "leastconn"
  servers = [
    { name = "app8080", address = "127.0.0.1", port = 8080, check = true, weight = 10 },
    { name = "app8081", address = "127.0.0.1", port = 8081, weight = 0 },
    { name = "app8082", address = "127.0.0.1", port = 8082, backup = true },
  ]
}
`, name)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testCheckBackendsGone(m, name),
		Steps: []resource.TestStep{
			{Config: config},
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

// A backend someone wrote into haproxy.cfg by hand is adopted with an import
// block, and the configuration that describes it plans no change.
func TestAccBackend_importHandWritten(t *testing.T) {
	m := testMachine(t)
	name := acctest.RandomWithPrefix("acc-hand")
	addr := "switchyard_backend.hand"
	section := fmt.Sprintf(`
backend %s
    mode http
    balance roundrobin
    server app8080 127.0.0.1:8080
    server app8081 127.0.0.1:8081
`, name)
	// If the test fails before the import, Terraform never owns the section
	// and its destroy cannot remove it.
	t.Cleanup(func() { removeBackendByHand(t, m, name) })

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testCheckBackendsGone(m, name),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				editConfig(t, m, func(cfg string) (string, error) { return cfg + section, nil })
			},
			Config: providerBlock(m, "") + fmt.Sprintf(`
import {
  to = switchyard_backend.hand
  id = %q
}
`, name) + backendBlock("hand", name, "", 8080, 8081),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: testCheckServedBy(m, name, 8080, 8081),
		}},
	})
}

// Read is the truth: a hand edit and a hand deletion both show up as a plan,
// and an apply puts things back.
func TestAccBackend_drift(t *testing.T) {
	m := testMachine(t)
	name := acctest.RandomWithPrefix("acc-drift")
	addr := "switchyard_backend.web"
	config := providerBlock(m, "") + backendBlock("web", name, "", 8080, 8081, 8082)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testCheckBackendsGone(m, name),
		Steps: []resource.TestStep{
			{Config: config, Check: testCheckServedBy(m, name, 8080, 8081, 8082)},
			{
				PreConfig: func() {
					editSection(t, m, name, func(lines []string) ([]string, error) {
						for i, l := range lines {
							if strings.Contains(l, "127.0.0.1:8082") {
								lines[i] = strings.Replace(l, "127.0.0.1:8082", "127.0.0.3:8082", 1)
								return lines, nil
							}
						}
						return nil, fmt.Errorf("no server line with 127.0.0.1:8082")
					})
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				Check: testCheckServedBy(m, name, 8080, 8081, 8082),
			},
			{
				PreConfig: func() {
					editSection(t, m, name, func([]string) ([]string, error) { return nil, nil })
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
				},
				Check: testCheckServedBy(m, name, 8080, 8081, 8082),
			},
		},
	})
}

func TestAccBackend_badInput(t *testing.T) {
	m := testMachine(t)
	good := acctest.RandomWithPrefix("acc-good")
	bad := acctest.RandomWithPrefix("acc-bad")
	goodConfig := providerBlock(m, "") + backendBlock("good", good, "", 8080, 8081)
	// Passes every plan-time check; only HAProxy on the machine can tell
	// that the name does not resolve (`haproxy -c`: "could not resolve
	// address").
	unresolvable := fmt.Sprintf(`
resource "switchyard_backend" "bad" {
  name    = %q
  servers = [{ name = "app1", address = "no-such-host.invalid", port = 8080 }]
}
`, bad)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testCheckBackendsGone(m, good, bad),
		Steps: []resource.TestStep{
			{
				Config:      providerBlock(m, "") + backendBlock("bad", "my backend", "", 8080),
				ExpectError: regexp.MustCompile(words(`"my backend" contains a space, which HAProxy does not allow in names`)),
			},
			{
				Config: goodConfig,
				Check:  testCheckServedBy(m, good, 8080, 8081),
			},
			{
				Config: goodConfig + unresolvable,
				ExpectError: regexp.MustCompile(`(?s)` + words("Unable to Create Backend") + `.*` + regexp.QuoteMeta(bad) +
					`.*` + words("could not resolve address 'no-such-host.invalid'")),
			},
			{
				// Nothing of the rejected backend reached the machine, and
				// the one before it still serves.
				Config: goodConfig,
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckBackendsGone(m, bad),
					testCheckServedBy(m, good, 8080, 8081),
				),
			},
			{
				// An update HAProxy rejects changes nothing either: the
				// backend keeps serving from both of its old servers.
				Config: providerBlock(m, "") + fmt.Sprintf(`
resource "switchyard_backend" "good" {
  name    = %q
  servers = [
    { name = "app8080", address = "127.0.0.1", port = 8080 },
    { name = "app8081", address = "no-such-host.invalid", port = 8081 },
  ]
}
`, good),
				ExpectError: regexp.MustCompile(`(?s)` + words("Unable to Update Backend") + `.*` + regexp.QuoteMeta(good) +
					`.*` + words("could not resolve address 'no-such-host.invalid'")),
			},
			{
				// The failed update left state and machine as they were.
				Config: goodConfig,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: testCheckServedBy(m, good, 8080, 8081),
			},
		},
	})
}

func TestAccBackend_wrongHostKey(t *testing.T) {
	m := testMachine(t)
	name := acctest.RandomWithPrefix("acc-hostkey")
	var before string

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		// Runs after the failed step: the lab's own connection (which
		// checks the real key) shows haproxy.cfg exactly as it was.
		CheckDestroy: func(*terraform.State) error {
			after, err := readConfig(m)
			if err != nil {
				return err
			}
			if diff := cmp.Diff(before, after); diff != "" {
				return fmt.Errorf("haproxy.cfg changed although the host key did not match (-before +after):\n%s", diff)
			}
			return nil
		},
		Steps: []resource.TestStep{{
			PreConfig: func() {
				var err error
				if before, err = readConfig(m); err != nil {
					t.Fatal(err)
				}
			},
			Config:      providerBlock(m, randomHostKey(t)) + backendBlock("web", name, "", 8080),
			ExpectError: regexp.MustCompile(words("host key mismatch")),
		}},
	})
}

func TestAccHostDataSource_basic(t *testing.T) {
	m := testMachine(t)
	addr := "data.switchyard_host.this"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock(m, "") + `data "switchyard_host" "this" {}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("hostname"), knownvalue.StringExact(m.Name)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("haproxy_version"), knownvalue.StringRegexp(regexp.MustCompile(`^2\.`))),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("arch"), knownvalue.StringRegexp(regexp.MustCompile(`^(amd64|arm64)$`))),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("os"), knownvalue.NotNull()),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("kernel"), knownvalue.NotNull()),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("agent_version"), knownvalue.NotNull()),
				// This very read is a request of the session.
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("requests"), knownvalue.Int64Func(func(n int64) error {
					if n < 1 {
						return fmt.Errorf("requests = %d, want at least 1", n)
					}
					return nil
				})),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("reloads"), knownvalue.NotNull()),
			},
		}},
	})
}

// labAppBody is what a lab app answers: "lab-app 8080 on swlab-1 path=/x".
var labAppBody = regexp.MustCompile(`^lab-app (\d+) on (\S+) path=(\S*)\n?$`)

// countServedBy sends n requests (path prefix/i) through the machine's
// `lab` frontend to backend, each on a new connection, and counts them by
// the port of the app that answered.
func countServedBy(m lab.Machine, backend, prefix string, n int) (map[int]int, error) {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	counts := map[int]int{}
	for i := range n {
		port, err := getThrough(client, m, backend, fmt.Sprintf("%s/%d", prefix, i))
		if err != nil {
			return nil, err
		}
		counts[port]++
	}
	return counts, nil
}

// testCheckServedBy sends 12 requests through the machine's `lab` frontend
// to backend and checks that exactly the apps on wantPorts answered. Each
// request is a new connection, so none is pinned to a server or to a worker
// from before a reload.
func testCheckServedBy(m lab.Machine, backend string, wantPorts ...int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		counts, err := countServedBy(m, backend, "/acc", 12)
		if err != nil {
			return err
		}
		var got []int
		for p := range counts {
			got = append(got, p)
		}
		slices.Sort(got)
		if diff := cmp.Diff(wantPorts, got); diff != "" {
			return fmt.Errorf("backend %s: apps that answered 12 requests (-want +got):\n%s(counts: %v)", backend, diff, counts)
		}
		return nil
	}
}

// getThrough makes one request for backend and returns the port of the lab
// app that answered it.
func getThrough(client *http.Client, m lab.Machine, backend, path string) (int, error) {
	req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("http://%s:%d%s", m.Address, lab.FrontendPort, path), nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("x-switchyard-backend", backend)
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("GET %s for backend %s: %w", req.URL, backend, err)
	}
	defer func() { _ = resp.Body.Close() }() // only read
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return 0, fmt.Errorf("GET %s for backend %s: %w", req.URL, backend, err)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s for backend %s: %s: %q", req.URL, backend, resp.Status, body)
	}
	match := labAppBody.FindStringSubmatch(string(body))
	if match == nil {
		return 0, fmt.Errorf("GET %s for backend %s: unexpected answer %q", req.URL, backend, body)
	}
	if match[2] != m.Name || match[3] != path {
		return 0, fmt.Errorf("GET %s for backend %s: answered by %q for path %q, want machine %s and path %s", req.URL, backend, match[2], match[3], m.Name, path)
	}
	return strconv.Atoi(match[1])
}

// sshTimeout bounds one command on a lab machine.
const sshTimeout = 30 * time.Second

func readConfig(m lab.Machine) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
	defer cancel()
	out, _, err := m.Run(ctx, "cat", labConfigFile)
	return out, err
}

// findSection returns the lines of the `backend name` section of cfg, from
// its header to the line before the next section, as start and end indexes.
// Sections start at column 0; their contents are indented.
func findSection(lines []string, name string) (start, end int, ok bool) {
	start = -1
	for i, l := range lines {
		if start < 0 {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "backend" && f[1] == name && l[0] != ' ' && l[0] != '\t' {
				start = i
			}
			continue
		}
		if l != "" && l[0] != ' ' && l[0] != '\t' && l[0] != '#' {
			return start, i, true
		}
	}
	return start, len(lines), start >= 0
}

func testCheckBackendInConfig(m lab.Machine, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		cfg, err := readConfig(m)
		if err != nil {
			return err
		}
		if _, _, ok := findSection(strings.Split(cfg, "\n"), name); !ok {
			return fmt.Errorf("no `backend %s` section in %s on %s:\n%s", name, labConfigFile, m.Name, cfg)
		}
		return nil
	}
}

// testCheckBackendsGone reads haproxy.cfg over SSH and fails if any of the
// named backends is still in it.
func testCheckBackendsGone(m lab.Machine, names ...string) func(*terraform.State) error {
	return func(*terraform.State) error {
		cfg, err := readConfig(m)
		if err != nil {
			return err
		}
		lines := strings.Split(cfg, "\n")
		for _, name := range names {
			if start, end, ok := findSection(lines, name); ok {
				return fmt.Errorf("backend %s is still in %s on %s:\n%s", name, labConfigFile, m.Name, strings.Join(lines[start:end], "\n"))
			}
		}
		return nil
	}
}

// editConfig changes haproxy.cfg behind Terraform's back, as a person with
// a text editor would, and reloads HAProxy. It fails the test on error:
// PreConfig cannot return one.
func editConfig(t *testing.T, m lab.Machine, edit func(string) (string, error)) {
	t.Helper()
	cfg, err := readConfig(m)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err = edit(cfg)
	if err != nil {
		t.Fatalf("editing %s on %s: %v", labConfigFile, m.Name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
	defer cancel()
	if err := m.WriteFile(ctx, labConfigFile, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.Run(ctx, "systemctl", "reload", api.DefaultHAProxySettings().Service); err != nil {
		t.Fatal(err)
	}
}

// editSection edits the lines of one backend section (header included);
// returning no lines deletes the section.
func editSection(t *testing.T, m lab.Machine, name string, edit func([]string) ([]string, error)) {
	t.Helper()
	editConfig(t, m, func(cfg string) (string, error) {
		// HAProxy refuses a file whose last line has no newline, so the
		// final one stays out of the lines and is put back after.
		lines := strings.Split(strings.TrimSuffix(cfg, "\n"), "\n")
		start, end, ok := findSection(lines, name)
		if !ok {
			return "", fmt.Errorf("no `backend %s` section", name)
		}
		section, err := edit(slices.Clone(lines[start:end]))
		if err != nil {
			return "", fmt.Errorf("backend %s: %w", name, err)
		}
		return strings.Join(slices.Concat(lines[:start], section, lines[end:]), "\n") + "\n", nil
	})
}

// removeBackendByHand deletes a backend section if it is still there.
func removeBackendByHand(t *testing.T, m lab.Machine, name string) {
	t.Helper()
	cfg, err := readConfig(m)
	if err != nil {
		t.Error(err)
		return
	}
	if _, _, ok := findSection(strings.Split(cfg, "\n"), name); ok {
		editSection(t, m, name, func([]string) ([]string, error) { return nil, nil })
	}
}

// randomHostKey is a host key no machine has, of the type the lab's sshd
// offers (ed25519), so the failure is the key itself and not a failed
// algorithm negotiation.
func randomHostKey(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
}
