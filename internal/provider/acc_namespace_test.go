package provider

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
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

// Acceptance tests of switchyard_namespace and switchyard_service. The lab
// machines run real systemd (nspawn), so units, sandboxing and namespaces
// are real; CPUQuota, IOWeight and the like are accepted there but not
// enforced (LAB.md), so the tests check that they are written and read
// back, not their effect.

// mustRun runs a command on m from a PreConfig, which cannot return errors.
func mustRun(t *testing.T, m lab.Machine, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
	defer cancel()
	out, stderr, err := m.Run(ctx, args...)
	if err != nil {
		t.Fatalf("%s on %s: %v: %s", strings.Join(args, " "), m.Name, err, stderr)
	}
	return out
}

// testCheckBody GETs / through the lab frontend for backend and compares
// the body. With wait, it retries for up to a minute: after a reboot the
// machine answers SSH before HAProxy and the services are all up.
func testCheckBody(m lab.Machine, backend, want string, wait bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		deadline := time.Now().Add(time.Minute)
		for {
			err := getBody(client, m, backend, want)
			if err == nil || !wait || time.Now().After(deadline) {
				return err
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
}

func getBody(client *http.Client, m lab.Machine, backend, want string) error {
	req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("http://%s:%d/", m.Address, lab.FrontendPort), nil)
	if err != nil {
		return err
	}
	req.Header.Set("x-switchyard-backend", backend)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET / for backend %s: %w", backend, err)
	}
	defer func() { _ = resp.Body.Close() }() // only read
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK || string(body) != want {
		return fmt.Errorf("GET / for backend %s: %s %q, want 200 %q", backend, resp.Status, body, want)
	}
	return nil
}

// testCheckFails runs a command on m that must fail.
func testCheckFails(m lab.Machine, why string, args ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
		defer cancel()
		out, _, err := m.Run(ctx, args...)
		if err == nil {
			return fmt.Errorf("%s: `%s` on %s succeeded: %q", why, strings.Join(args, " "), m.Name, out)
		}
		return nil
	}
}

// testCheckFileContains reads a file on m and looks for each line in it.
func testCheckFileContains(m lab.Machine, path string, lines ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
		defer cancel()
		out, _, err := m.Run(ctx, "cat", path)
		if err != nil {
			return fmt.Errorf("reading %s on %s: %w", path, m.Name, err)
		}
		for _, l := range lines {
			if !strings.Contains("\n"+out+"\n", "\n"+l+"\n") {
				return fmt.Errorf("%s on %s has no line %q:\n%s", path, m.Name, l, out)
			}
		}
		return nil
	}
}

// writeSite puts index.html with content into dir on m, for the namespaced
// web server of seedConfig to serve.
func writeSite(t *testing.T, m lab.Machine, dir, content string) {
	t.Helper()
	mustRun(t, m, "mkdir", "-p", dir)
	ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
	defer cancel()
	if err := m.WriteFile(ctx, dir+"/index.html", []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func seedConfig(m lab.Machine, ns, svc, backend, dir string) string {
	return providerBlock(m, "") + fmt.Sprintf(`
resource "switchyard_namespace" "app" {
  name = %[1]q
}

resource "switchyard_service" "web" {
  name           = %[2]q
  description    = "acceptance test web server"
  exec_start     = ["/usr/bin/python3", "-m", "http.server", "8000", "--bind", "127.0.0.1", "--directory", %[4]q]
  namespace      = switchyard_namespace.app.name
  readiness_port = 8000
}

resource "switchyard_backend" "web" {
  name = %[3]q
  servers = [
    { name = "py", address = "127.0.0.1", port = 8000, namespace = switchyard_namespace.app.name },
  ]
  # HAProxy connects to the server only once the service answers.
  depends_on = [switchyard_service.web]
}
`, ns, svc, backend, dir)
}

// TestAccNamespace_seed is the seed example: an application in its
// own namespace, reachable only through HAProxy; then drift of each kind,
// each repaired by an apply; then a reboot of the machine.
func TestAccNamespace_seed(t *testing.T) {
	m := testMachine(t)
	ns := acctest.RandomWithPrefix("acc-ns")
	svc := acctest.RandomWithPrefix("acc-web")
	backend := acctest.RandomWithPrefix("acc-nsweb")
	dir := "/var/www/" + svc
	content := "hello from " + svc + "\n"
	cfg := seedConfig(m, ns, svc, backend, dir)
	unitFile := "/etc/systemd/system/" + svc + ".service"
	emptyAfterApply := resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			defer mustRun(t, m, "rm", "-rf", dir)
			return testCheckFails(m, "namespace deleted", "test", "-e", "/run/netns/"+ns)(nil)
		},
		Steps: []resource.TestStep{
			{
				PreConfig: func() { writeSite(t, m, dir, content) },
				Config:    cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("switchyard_namespace.app", tfjsonpath.New("unit"), knownvalue.StringExact("switchyard-netns@"+ns+".service")),
					statecheck.ExpectKnownValue("switchyard_service.web", tfjsonpath.New("running"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("switchyard_service.web", tfjsonpath.New("enabled"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("switchyard_service.web", tfjsonpath.New("sandbox"), knownvalue.Bool(true)),
				},
				ConfigPlanChecks: emptyAfterApply,
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckBody(m, backend, content, false),
					testCheckFileContains(m, unitFile, "NetworkNamespacePath=/run/netns/"+ns, "DynamicUser=yes", "ProtectSystem=strict"),
					func(*terraform.State) error {
						// HAProxy is ordered after the namespace, so it finds it at boot.
						dropIn, err := mustRunErr(m, "cat", "/etc/systemd/system/haproxy.service.d/switchyard-netns.conf")
						if err != nil || !regexp.MustCompile(`(?m)^After=.*\bswitchyard-netns@`+regexp.QuoteMeta(ns)+`\.service\b`).MatchString(dropIn) {
							return fmt.Errorf("HAProxy's drop-in does not order it after %s (%v):\n%s", ns, err, dropIn)
						}
						return nil
					},
					testCheckFails(m, "the app must not be reachable from the machine's own namespace",
						"curl", "-sS", "--max-time", "2", "http://127.0.0.1:8000/"),
					testCheckFails(m, "the namespace must have no route out",
						"ip", "netns", "exec", ns, "curl", "-sS", "--max-time", "2", "http://10.147.83.11/"),
				),
			},
			{ResourceName: "switchyard_namespace.app", ImportState: true, ImportStateId: ns, ImportStateVerify: true},
			{
				ResourceName: "switchyard_service.web", ImportState: true, ImportStateId: svc, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"readiness_port"}, // not part of the unit
			},
			// Drift 1: the service stopped by hand.
			{PreConfig: func() { mustRun(t, m, "systemctl", "stop", svc) }, Config: cfg, PlanOnly: true, ExpectNonEmptyPlan: true},
			{Config: cfg, ConfigPlanChecks: emptyAfterApply, Check: testCheckBody(m, backend, content, false)},
			// Drift 2: the namespace deleted by hand.
			{PreConfig: func() { mustRun(t, m, "ip", "netns", "del", ns) }, Config: cfg, PlanOnly: true, ExpectNonEmptyPlan: true},
			{Config: cfg, ConfigPlanChecks: emptyAfterApply, Check: testCheckBody(m, backend, content, false)},
			// Drift 3: the unit file edited by hand.
			{
				PreConfig: func() { mustRun(t, m, "sed", "-i", "s/^Restart=on-failure$/Restart=always/", unitFile) },
				Config:    cfg, PlanOnly: true, ExpectNonEmptyPlan: true,
			},
			{
				Config: cfg, ConfigPlanChecks: emptyAfterApply,
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckFileContains(m, unitFile, "Restart=on-failure"),
					testCheckBody(m, backend, content, false),
				),
			},
			// Reboot: namespace, service and HAProxy come back by themselves.
			{
				PreConfig: func() {
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
					defer cancel()
					if err := lab.Restart(ctx, "", m.Name); err != nil {
						t.Fatalf("restarting %s: %v", m.Name, err)
					}
					// The plan below must already be empty: wait for the
					// boot to finish, not for Terraform to repair anything.
					mustRun(t, m, "sh", "-c", "systemctl is-system-running --wait || true")
				},
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            testCheckBody(m, backend, content, true),
			},
		},
	})
}

// TestAccNamespace_inUse: removing a namespace that a service still runs in
// fails and names the service; nothing is deleted.
func TestAccNamespace_inUse(t *testing.T) {
	m := testMachine(t)
	ns := acctest.RandomWithPrefix("acc-nsuse")
	svc := acctest.RandomWithPrefix("acc-nsuser")
	nsBlock := fmt.Sprintf(`
resource "switchyard_namespace" "app" {
  name = %q
}
`, ns)
	// The service names the namespace literally, so removing the namespace
	// from the configuration leaves the service in place.
	svcBlock := fmt.Sprintf(`
resource "switchyard_service" "app" {
  name       = %q
  exec_start = ["/bin/sleep", "infinity"]
  namespace  = %q
}
`, svc, ns)
	both := providerBlock(m, "") + nsBlock + strings.Replace(svcBlock, "namespace  =", "depends_on = [switchyard_namespace.app]\n  namespace  =", 1)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: both},
			{
				Config:      providerBlock(m, "") + svcBlock,
				ExpectError: regexp.MustCompile(words(fmt.Sprintf("network namespace %q is still used by service %s", ns, svc))),
			},
			{
				Config: both,
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckFileContains(m, "/etc/systemd/system/"+svc+".service", "NetworkNamespacePath=/run/netns/"+ns),
					func(*terraform.State) error {
						_, err := mustRunErr(m, "test", "-e", "/run/netns/"+ns)
						return err
					},
				),
			},
		},
	})
}

func mustRunErr(m lab.Machine, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
	defer cancel()
	out, _, err := m.Run(ctx, args...)
	return out, err
}

// TestAccNamespace_deletedByHandDoesNotBlockChanges: while a `namespace`
// server names a namespace that was deleted by hand, `haproxy -c` refuses
// the whole configuration. The agent recreates a managed namespace from its
// unit before it validates, so a change to an unrelated backend in the same
// apply goes through. The namespace depends on that backend here, so
// Terraform changes the backend first, while the namespace is still gone.
func TestAccNamespace_deletedByHandDoesNotBlockChanges(t *testing.T) {
	m := testMachine(t)
	ns := acctest.RandomWithPrefix("acc-nsrev")
	svc := acctest.RandomWithPrefix("acc-rev")
	backend := acctest.RandomWithPrefix("acc-nsrevweb")
	other := acctest.RandomWithPrefix("acc-nsrevother")
	dir := "/var/www/" + svc
	content := "hello from " + svc + "\n"
	config := func(port int) string {
		cfg := seedConfig(m, ns, svc, backend, dir) + backendBlock("other", other, "", port)
		// Make Terraform update the other backend before it repairs the
		// namespace: the agent, not the apply's ordering, must unblock it.
		return strings.Replace(cfg, "resource \"switchyard_namespace\" \"app\" {\n",
			"resource \"switchyard_namespace\" \"app\" {\n  depends_on = [switchyard_backend.other]\n", 1)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			defer mustRun(t, m, "rm", "-rf", dir)
			return nil
		},
		Steps: []resource.TestStep{
			{
				PreConfig: func() { writeSite(t, m, dir, content) },
				Config:    config(8080),
				Check:     resource.ComposeAggregateTestCheckFunc(testCheckBody(m, backend, content, false), testCheckServedBy(m, other, 8080)),
			},
			{
				PreConfig: func() { mustRun(t, m, "ip", "netns", "del", ns) },
				Config:    config(8081),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("switchyard_backend.other", plancheck.ResourceActionUpdate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckServedBy(m, other, 8081),
					// The service was restarted into the new namespace and
					// HAProxy reopened it: the namespaced app answers again.
					testCheckBody(m, backend, content, true),
				),
			},
		},
	})
}

// TestAccNamespace_boot: boot = false keeps a namespace made by hand as it
// is (imported as false, no unit of ours enabled); flipping boot either way
// by hand on the machine is drift, and apply repairs it; boot = true after
// an adoption gives it the boot unit and HAProxy's ordering.
func TestAccNamespace_boot(t *testing.T) {
	m := testMachine(t)
	ns := acctest.RandomWithPrefix("acc-nsboot")
	unit := "switchyard-netns@" + ns + ".service"
	cfg := func(boot bool) string {
		return providerBlock(m, "") + fmt.Sprintf("\nresource \"switchyard_namespace\" \"hand\" {\n  name = %q\n  boot = %t\n}\n", ns, boot)
	}
	notEnabled := testCheckFails(m, "the boot unit must not be enabled", "systemctl", "is-enabled", "--quiet", unit)
	emptyAfterApply := resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testCheckFails(m, "namespace deleted", "test", "-e", "/run/netns/"+ns),
		Steps: []resource.TestStep{
			{
				// Made by hand, as the article does, then adopted.
				PreConfig: func() {
					mustRun(t, m, "ip", "netns", "add", ns)
					mustRun(t, m, "ip", "-n", ns, "link", "set", "lo", "up")
				},
				Config: cfg(false), ResourceName: "switchyard_namespace.hand", ImportState: true, ImportStateId: ns,
				ImportStatePersist: true,
				ImportStateCheck: func(s []*terraform.InstanceState) error {
					if len(s) != 1 || s[0].Attributes["boot"] != "false" {
						return fmt.Errorf("imported %v, want boot = false", s)
					}
					return nil
				},
			},
			{
				Config:           cfg(false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            notEnabled,
			},
			// Drift: someone enables the boot unit by hand.
			{
				PreConfig: func() { mustRun(t, m, "systemctl", "enable", unit) },
				Config:    cfg(false), PlanOnly: true, ExpectNonEmptyPlan: true,
			},
			{
				Config: cfg(false), ConfigPlanChecks: emptyAfterApply,
				Check: resource.ComposeAggregateTestCheckFunc(notEnabled,
					func(*terraform.State) error { _, err := mustRunErr(m, "test", "-e", "/run/netns/"+ns); return err }),
			},
			// Switchyard takes over the boot.
			{
				Config: cfg(true), ConfigPlanChecks: emptyAfterApply,
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error {
						_, err := mustRunErr(m, "systemctl", "is-enabled", "--quiet", unit)
						return err
					},
					func(*terraform.State) error {
						dropIn, err := mustRunErr(m, "cat", "/etc/systemd/system/haproxy.service.d/switchyard-netns.conf")
						if err != nil || !regexp.MustCompile(`(?m)^After=.*\b`+regexp.QuoteMeta(unit)+`\b`).MatchString(dropIn) {
							return fmt.Errorf("HAProxy's drop-in does not order it after %s (%v):\n%s", unit, err, dropIn)
						}
						return nil
					},
				),
			},
			// Drift: the boot unit disabled by hand reads as boot = false.
			{
				PreConfig: func() { mustRun(t, m, "systemctl", "disable", unit) },
				Config:    cfg(true), PlanOnly: true, ExpectNonEmptyPlan: true,
			},
			{Config: cfg(true), ConfigPlanChecks: emptyAfterApply},
		},
	})
}
