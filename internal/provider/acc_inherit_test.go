package provider

// Acceptance tests of adopting hand-written sections (issue 17): a
// frontend and a backend that inherit `mode` and `balance` from `defaults`,
// a `bind :PORT` without `*`, a server without a port. Importing them must
// plan no change, and a real change must leave every other line as the
// person wrote it.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
	"github.com/switchyard/terraform-provider-switchyard/internal/tfrun"
)

// inhDefaultsLine is added to the lab's `defaults base` for the test, as a
// hand-written file would say it; it is HAProxy's own default, so other
// sections do not change meaning while it is there.
const inhDefaultsLine = "    balance roundrobin"

func TestAccInherited_handWrittenSectionsImportWithNoChange(t *testing.T) {
	m := testMachine(t)
	be := acctest.RandomWithPrefix("acc-inh")
	fe := acctest.RandomWithPrefix("acc-inh")
	// The portless server takes the port the client connected to: the
	// frontend's bind on the machine's address, port 8080, reaches the lab
	// app on 127.0.0.1:8080. `bind :8191` is there for its form.
	const wildPort = 8191
	hand := fmt.Sprintf(`
frontend %[1]s
    bind :%[3]d
    bind %[4]s:8080
    default_backend %[2]s

backend %[2]s
    option httpchk
    server s1 127.0.0.1
    server s2 127.0.0.1:8081
`, fe, be, wildPort, m.Address)
	t.Cleanup(func() { inhRestore(t, m, fe, be) })

	config := func(extraServer string, frontendExtra ...string) string {
		return providerBlock(m, "") + fmt.Sprintf(`
resource "switchyard_haproxy" "this" {}

resource "switchyard_backend" "hand" {
  name       = %[1]q
  http_check = {}
  servers = [
    { name = "s1", address = "127.0.0.1" },
    { name = "s2", address = "127.0.0.1", port = 8081 },%[4]s
  ]
}

resource "switchyard_frontend" "hand" {
  name            = %[2]q
  binds           = [{ port = %[3]d }, { address = %[5]q, port = 8080 }]
  default_backend = switchyard_backend.hand.name
  %[6]s
}
`, be, fe, wildPort, extraServer, m.Address, strings.Join(frontendExtra, "\n"))
	}
	var before string
	importStep := func(addr, id string) resource.TestStep {
		return resource.TestStep{Config: config(""), ResourceName: addr, ImportState: true, ImportStateId: id, ImportStatePersist: true}
	}
	first := importStep("switchyard_haproxy.this", haproxyInstanceID)
	first.PreConfig = func() {
		editConfig(t, m, func(cfg string) (string, error) {
			i := strings.Index(cfg, "defaults base\n")
			if i < 0 {
				return "", fmt.Errorf("no `defaults base` section")
			}
			i += len("defaults base\n")
			return cfg[:i] + inhDefaultsLine + "\n" + cfg[i:] + hand, nil
		})
		var err error
		if before, err = readConfig(m); err != nil {
			t.Fatal(err)
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			feTestCheckFrontendGone(m, fe), testCheckBackendsGone(m, be)),
		Steps: []resource.TestStep{
			first,
			importStep("switchyard_backend.hand", be),
			importStep("switchyard_frontend.hand", fe),
			{
				// What the sections do not say reads as null, and the
				// configuration that leaves it out plans nothing.
				Config: config(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("switchyard_backend.hand", tfjsonpath.New("mode"), knownvalue.Null()),
					statecheck.ExpectKnownValue("switchyard_backend.hand", tfjsonpath.New("balance"), knownvalue.Null()),
					statecheck.ExpectKnownValue("switchyard_backend.hand", tfjsonpath.New("http_check").AtMapKey("method"), knownvalue.Null()),
					statecheck.ExpectKnownValue("switchyard_backend.hand", tfjsonpath.New("servers").AtSliceIndex(0).AtMapKey("port"), knownvalue.Null()),
					statecheck.ExpectKnownValue("switchyard_frontend.hand", tfjsonpath.New("mode"), knownvalue.Null()),
					statecheck.ExpectKnownValue("switchyard_frontend.hand", tfjsonpath.New("binds").AtSliceIndex(0).AtMapKey("address"), knownvalue.Null()),
					statecheck.ExpectKnownValue("switchyard_haproxy.this", tfjsonpath.New("server_state_file"), knownvalue.Null()),
					statecheck.ExpectKnownValue("switchyard_haproxy.this", tfjsonpath.New("hard_stop_after"), knownvalue.Null()),
				},
				Check: inhCheckServed(m, 8080, 8081),
			},
			{
				// One real change: a server added. Every other line of the
				// file stays as it was; no mode or balance is written.
				Config: config(`
    { name = "s3", address = "127.0.0.1", port = 8082 },`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("switchyard_backend.hand", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("switchyard_frontend.hand", plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction("switchyard_haproxy.this", plancheck.ResourceActionNoop),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error {
						cfg, err := readConfig(m)
						if err != nil {
							return err
						}
						after := inhSections(cfg)
						want := inhSections(before)
						want["backend "+be] = slices.Sorted(slices.Values(append(want["backend "+be], "server s3 127.0.0.1:8082")))
						if diff := cmp.Diff(want, after); diff != "" {
							return fmt.Errorf("adding a server changed other lines of %s (-want +got):\n%s", labConfigFile, diff)
						}
						return nil
					},
					inhCheckServed(m, 8080, 8081, 8082),
				),
			},
			{
				// A change of the frontend itself rewrites its binds: they
				// keep their form, and gain no `name` they did not have.
				Config: config(`
    { name = "s3", address = "127.0.0.1", port = 8082 },`, "maxconn = 500"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("switchyard_frontend.hand", plancheck.ResourceActionUpdate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error {
						cfg, err := readConfig(m)
						if err != nil {
							return err
						}
						want := inhSections(before)
						want["backend "+be] = slices.Sorted(slices.Values(append(want["backend "+be], "server s3 127.0.0.1:8082")))
						want["frontend "+fe] = slices.Sorted(slices.Values(append(want["frontend "+fe], "maxconn 500")))
						if diff := cmp.Diff(want, inhSections(cfg)); diff != "" {
							return fmt.Errorf("changing the frontend changed other lines of %s (-want +got):\n%s", labConfigFile, diff)
						}
						return nil
					},
					inhCheckServed(m, 8080, 8081, 8082),
				),
			},
		},
	})
}

// inhSections is cfg's sections, each as its sorted lines without
// indentation, blank lines or comments. Client-native rewrites the whole
// file whenever it writes it, in its own order (sections by kind and name,
// keywords in its order within a section, comments moved with the section
// after them) and indentation, which changes no meaning; what must not
// change is what each section says.
func inhSections(cfg string) map[string][]string {
	out := map[string][]string{}
	section := ""
	for _, l := range strings.Split(cfg, "\n") {
		text := strings.Join(strings.Fields(l), " ")
		switch {
		case text == "" || strings.HasPrefix(text, "#"):
		case l[0] != ' ' && l[0] != '\t':
			section = text
			out[section] = []string{}
		default:
			out[section] = append(out[section], text)
		}
	}
	for _, lines := range out {
		slices.Sort(lines)
	}
	return out
}

// inhCheckServed sends requests to the test frontend's port 8080 on the
// machine's address and checks that exactly the lab apps on ports answered.
func inhCheckServed(m lab.Machine, ports ...int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		seen := map[string]bool{}
		for i := range 4 * len(ports) {
			url := fmt.Sprintf("http://%s:8080/inh/%d", m.Address, i)
			resp, err := client.Get(url)
			if err != nil {
				return err
			}
			body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
			_ = resp.Body.Close() // only read
			if err != nil {
				return err
			}
			match := labAppBody.FindStringSubmatch(string(body))
			if resp.StatusCode != http.StatusOK || match == nil {
				return fmt.Errorf("GET %s: %s %q", url, resp.Status, body)
			}
			seen[match[1]] = true
		}
		var want []string
		for _, p := range ports {
			want = append(want, fmt.Sprint(p))
		}
		var got []string
		for p := range seen {
			got = append(got, p)
		}
		slices.Sort(got)
		if !slices.Equal(want, got) {
			return fmt.Errorf("apps that answered through the adopted frontend: %v, want %v", got, want)
		}
		return nil
	}
}

// inhRestore puts the lab machine back as it was: the sections gone and the
// defaults line removed, whatever step the test stopped at.
func inhRestore(t *testing.T, m lab.Machine, fe, be string) {
	t.Helper()
	cfg, err := readConfig(m)
	if err != nil {
		t.Error(err)
		return
	}
	lines := strings.Split(strings.TrimSuffix(cfg, "\n"), "\n")
	var out []string
	section, changed := "", false
	for _, l := range lines {
		if l != "" && l[0] != ' ' && l[0] != '\t' && l[0] != '#' {
			section = strings.Join(strings.Fields(l), " ")
		}
		ours := section == "frontend "+fe || section == "backend "+be ||
			(section == "defaults base" && strings.TrimSpace(l) == strings.TrimSpace(inhDefaultsLine))
		if ours {
			changed = true
			continue
		}
		out = append(out, l)
	}
	if changed {
		editConfig(t, m, func(string) (string, error) { return strings.Join(out, "\n") + "\n", nil })
	}
}

// A unit written by hand, as people write them: no sandbox, no Restart=,
// no Type=. Importing it plans nothing, so the service is neither
// rewritten nor restarted (the same systemd invocation runs before and
// after an apply of the generated-style configuration).
func TestAccInherited_handWrittenUnitImportsWithNoRestart(t *testing.T) {
	m := testMachine(t)
	name := acctest.RandomWithPrefix("acc-inh-svc")
	unitPath := "/etc/systemd/system/" + name + ".service"
	unit := "[Unit]\nDescription=hand-written sleeper\n\n[Service]\nExecStart=/bin/sleep infinity\n\n[Install]\nWantedBy=multi-user.target\n"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
		defer cancel()
		// Gone already when the destroy worked; nothing to report then.
		_, _, _ = m.Run(ctx, "systemctl", "disable", "--now", name+".service")
		_, _, _ = m.Run(ctx, "rm", "-f", unitPath)
		_, _, _ = m.Run(ctx, "systemctl", "daemon-reload")
	})
	invocation := func() string {
		return strings.TrimSpace(mustRun(t, m, "systemctl", "show", "-p", "InvocationID", "--value", name+".service"))
	}
	var started string
	config := providerBlock(m, "") + fmt.Sprintf(`
resource "switchyard_service" "hand" {
  name        = %q
  description = "hand-written sleeper"
  exec_start  = ["/bin/sleep", "infinity"]
}
`, name)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testCheckFails(m, "unit removed", "test", "-e", unitPath),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
					defer cancel()
					if err := m.WriteFile(ctx, unitPath, []byte(unit), 0o644); err != nil {
						t.Fatal(err)
					}
					mustRun(t, m, "systemctl", "daemon-reload")
					mustRun(t, m, "systemctl", "enable", "--now", name+".service")
					started = invocation()
				},
				Config: config, ResourceName: "switchyard_service.hand",
				ImportState: true, ImportStateId: name, ImportStatePersist: true,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("switchyard_service.hand", tfjsonpath.New("sandbox"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("switchyard_service.hand", tfjsonpath.New("restart"), knownvalue.Null()),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckFileContains(m, unitPath, "ExecStart=/bin/sleep infinity"),
					func(*terraform.State) error {
						if now := invocation(); now != started || now == "" {
							return fmt.Errorf("service %s was restarted by the import: invocation %q, then %q", name, started, now)
						}
						return nil
					},
				),
			},
		},
	})
}

// An adopted backend that leaves mode to a defaults section saying
// `mode tcp` runs in tcp mode: http_request is refused at plan time, naming
// the backend and why, and saying the mode is the way out.
func TestAccInherited_tcpFromDefaultsRefusesHTTPRules(t *testing.T) {
	m := testMachine(t)
	be := acctest.RandomWithPrefix("acc-inh-tcp")
	// Before `defaults base`, so every other section keeps inheriting
	// base (the last defaults before it, also after client-native's
	// rewrite, which keeps defaults sections in order); the backend names
	// it with `from`.
	const tcpDefaults = "defaults aaainhtcp\n    mode tcp\n    timeout connect 5s\n    timeout client 30s\n    timeout server 30s\n\n"
	hand := fmt.Sprintf("\nbackend %s from aaainhtcp\n    server s1 127.0.0.1:8080\n", be)
	t.Cleanup(func() {
		removeBackendByHand(t, m, be)
		editConfig(t, m, func(cfg string) (string, error) {
			start := strings.Index(cfg, "defaults aaainhtcp\n")
			if start < 0 {
				return cfg, nil
			}
			end := strings.Index(cfg[start:], "defaults base\n")
			if end < 0 {
				return "", fmt.Errorf("no `defaults base` after `defaults aaainhtcp`")
			}
			return cfg[:start] + cfg[start+end:], nil
		})
	})
	config := func(extra string) string {
		return providerBlock(m, "") + fmt.Sprintf(`
resource "switchyard_backend" "hand" {
  name    = %q
  servers = [{ name = "s1", address = "127.0.0.1", port = 8080 }]
  %s
}
`, be, extra)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testCheckBackendsGone(m, be),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					editConfig(t, m, func(cfg string) (string, error) {
						i := strings.Index(cfg, "defaults base\n")
						if i < 0 {
							return "", fmt.Errorf("no `defaults base` section")
						}
						return cfg[:i] + tcpDefaults + cfg[i:] + hand, nil
					})
				},
				Config: config(""), ResourceName: "switchyard_backend.hand",
				ImportState: true, ImportStateId: be, ImportStatePersist: true,
			},
			{Config: config(""), PlanOnly: true},
			{
				Config:      config(`http_request = ["set-header X-Inh yes"]`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(words(fmt.Sprintf("backend %q has no mode of its own and runs in tcp mode (its defaults section has `mode tcp`)", be))),
			},
			{
				// Saying the mode is the way out: http rules then plan.
				Config: config(`
  mode         = "http"
  http_request = ["set-header X-Inh yes"]`),
				PlanOnly: true, ExpectNonEmptyPlan: true,
			},
		},
	})
}

// The adoption as a user does it, with the terraform CLI: import blocks
// only, `terraform plan -generate-config-out`, and the generated
// configuration validates, plans import only (nothing to add, change or
// destroy), and after the apply plans nothing at all.
func TestAccInherited_generatedConfigPlansNoChange(t *testing.T) {
	m := testMachine(t)
	be := acctest.RandomWithPrefix("acc-inh-gen")
	fe := acctest.RandomWithPrefix("acc-inh-gen")
	const port = 8192
	hand := fmt.Sprintf(`
frontend %[1]s
    bind :%[3]d
    default_backend %[2]s

backend %[2]s
    server s1 127.0.0.1
    server s2 127.0.0.1:8081
`, fe, be, port)
	t.Cleanup(func() { inhRestore(t, m, fe, be) })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tree := t.TempDir()
	main := providerBlock(m, "") + fmt.Sprintf(`
terraform {
  required_providers {
    switchyard = { source = %q }
  }
}

import {
  to = switchyard_backend.hand
  id = %q
}

import {
  to = switchyard_frontend.hand
  id = %q
}

import {
  to = switchyard_haproxy.this
  id = "haproxy"
}
`, tfrun.ProviderSource, be, fe)
	if err := os.WriteFile(filepath.Join(tree, "main.tf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := tfrun.NewWorkspace(ctx, tree, ".", tfrun.Options{})
	if err != nil {
		t.Fatal(err)
	}
	editConfig(t, m, func(cfg string) (string, error) { return cfg + hand, nil })
	before, err := readConfig(m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Plan(ctx, "-generate-config-out=generated.tf"); err != nil {
		t.Fatalf("plan -generate-config-out: %v", err)
	}
	generated, err := os.ReadFile(filepath.Join(w.Dir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("generated.tf:\n%s", generated)
	if r, err := w.Run(ctx, "validate", "-no-color"); err != nil || r.ExitCode != 0 {
		t.Fatalf("the generated configuration does not validate: %v\n%s", err, r)
	}
	plan, err := w.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Changed) != 0 || !strings.Contains(plan.Stdout, "3 to import, 0 to add, 0 to change, 0 to destroy") {
		t.Fatalf("the generated configuration plans more than the import: %v\n%s", plan.Changed, plan.Stdout)
	}
	if _, err := w.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	if plan, err = w.Plan(ctx); err != nil || plan.ExitCode != 0 {
		t.Fatalf("after the import, the plan is not empty (%v):\n%s", err, plan.Stdout)
	}
	after, err := readConfig(m)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(inhSections(before), inhSections(after)); diff != "" {
		t.Errorf("the import changed %s (-before +after):\n%s", labConfigFile, diff)
	}
	// Terraform owns the sections now; switchyard_haproxy's destroy leaves
	// HAProxy as it is.
	if _, err := w.Destroy(ctx); err != nil {
		t.Error(err)
	}
}

// A machine whose workers run as `haproxy` (Debian's stock global) is
// adopted as it is: run_as_root reads false and a configuration that
// leaves it out plans no change to `user` and `group`.
func TestAccInherited_haproxyUserKept(t *testing.T) {
	m := testMachine(t)
	keepGlobalAndDefaults(t, m)
	config := providerBlock(m, "") + `
resource "switchyard_haproxy" "this" {}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					editConfig(t, m, func(cfg string) (string, error) {
						i := strings.Index(cfg, "\nglobal\n")
						if i < 0 {
							return "", fmt.Errorf("no global section")
						}
						i += len("\nglobal\n")
						return cfg[:i] + "    user haproxy\n    group haproxy\n" + cfg[i:], nil
					})
				},
				Config: config, ResourceName: "switchyard_haproxy.this",
				ImportState: true, ImportStateId: haproxyInstanceID, ImportStatePersist: true,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("switchyard_haproxy.this", tfjsonpath.New("run_as_root"), knownvalue.Bool(false)),
				},
				Check: testCheckConfigHas(m, "global", "user haproxy", "group haproxy"),
			},
		},
	})
}
