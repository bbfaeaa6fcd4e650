package provider

// Acceptance tests of switchyard_haproxy. They change global and defaults
// of the shared lab machine, so each puts the original global and defaults
// sections back when it ends (only those sections: other engineers' tests
// add and remove backends in the same file at the same time), and every
// value they set is harmless to those tests (maxconn 4000, timeouts >= 5s).

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
)

const haproxyAddr = "switchyard_haproxy.this"

// sectionBounds finds the section whose header line starts with the words
// of header ("global", "defaults base"), from the header to the line
// before the next section.
func sectionBounds(lines []string, header string) (start, end int, ok bool) {
	want := strings.Fields(header)
	start = -1
	for i, l := range lines {
		if start < 0 {
			f := strings.Fields(l)
			if len(f) >= len(want) && slices.Equal(f[:len(want)], want) && l[0] != ' ' && l[0] != '\t' {
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

// sectionOf returns the lines of one section of cfg, trimmed, or nil.
func sectionOf(cfg, header string) []string {
	lines := strings.Split(cfg, "\n")
	start, end, ok := sectionBounds(lines, header)
	if !ok {
		return nil
	}
	var out []string
	for _, l := range lines[start:end] {
		out = append(out, strings.Join(strings.Fields(l), " "))
	}
	return out
}

// keepGlobalAndDefaults reads global and `defaults base` now and puts them
// back, with a reload, when the test ends.
func keepGlobalAndDefaults(t *testing.T, m lab.Machine) {
	t.Helper()
	orig, err := readConfig(m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
		defer cancel()
		// A failed test may leave HAProxy stopped.
		if _, _, err := m.Run(ctx, "systemctl", "start", "haproxy"); err != nil {
			t.Errorf("starting haproxy: %v", err)
		}
		editConfig(t, m, func(cfg string) (string, error) {
			origLines := strings.Split(orig, "\n")
			for _, header := range []string{"global", "defaults base"} {
				oStart, oEnd, ok := sectionBounds(origLines, header)
				if !ok {
					return "", fmt.Errorf("no %s section in the original file", header)
				}
				lines := strings.Split(cfg, "\n")
				cs, ce, ok := sectionBounds(lines, header)
				if !ok {
					return "", fmt.Errorf("no %s section in the current file", header)
				}
				cfg = strings.Join(slices.Concat(lines[:cs], origLines[oStart:oEnd], lines[ce:]), "\n")
			}
			return cfg, nil
		})
	})
}

// testCheckConfigHas checks that each line is in the section.
func testCheckConfigHas(m lab.Machine, header string, lines ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		cfg, err := readConfig(m)
		if err != nil {
			return err
		}
		sec := sectionOf(cfg, header)
		for _, l := range lines {
			if !slices.Contains(sec, l) {
				return fmt.Errorf("%q is not in the %s section of %s on %s:\n%s", l, header, labConfigFile, m.Name, strings.Join(sec, "\n"))
			}
		}
		return nil
	}
}

// testCheckServing proves HAProxy serves: the lab frontend answers a request
// for a backend that does not exist with HAProxy's own 503.
func testCheckServing(m lab.Machine) resource.TestCheckFunc {
	return func(*terraform.State) error {
		client := &http.Client{Timeout: 10 * time.Second}
		req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("http://%s:%d/", m.Address, lab.FrontendPort), nil)
		if err != nil {
			return err
		}
		req.Header.Set("x-switchyard-backend", "nope")
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("HAProxy on %s does not answer: %w", m.Name, err)
		}
		defer func() { _ = resp.Body.Close() }() // only read
		if resp.StatusCode != http.StatusServiceUnavailable {
			return fmt.Errorf("GET / for backend nope on %s: %s, want 503 from HAProxy", m.Name, resp.Status)
		}
		return nil
	}
}

func runOnMachine(t *testing.T, m lab.Machine, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
	defer cancel()
	if _, stderr, err := m.Run(ctx, args...); err != nil {
		t.Fatalf("%s on %s: %v: %s", strings.Join(args, " "), m.Name, err, stderr)
	}
}

const haproxyBasicConfig = `
resource "switchyard_haproxy" "this" {
  maxconn         = 4000
  nbthread        = 2
  log_targets     = [{ address = "/dev/log", facility = "local0" }, { address = "127.0.0.1:514", facility = "local1", level = "notice" }]
  timeout_connect = "5s"
  timeout_client  = "31s"
  timeout_server  = "32s"
  httplog         = true
}
`

func TestAccHAProxy_basic(t *testing.T) {
	m := testMachine(t)
	keepGlobalAndDefaults(t, m)
	config := providerBlock(m, "") + haproxyBasicConfig

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(haproxyAddr, plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(haproxyAddr, tfjsonpath.New("id"), knownvalue.StringExact("haproxy")),
					statecheck.ExpectKnownValue(haproxyAddr, tfjsonpath.New("defaults_name"), knownvalue.StringExact("base")),
					statecheck.ExpectKnownValue(haproxyAddr, tfjsonpath.New("runtime_socket"), knownvalue.StringExact("/run/haproxy/admin.sock")),
					statecheck.ExpectKnownValue(haproxyAddr, tfjsonpath.New("mode"), knownvalue.StringExact("http")),
					statecheck.ExpectKnownValue(haproxyAddr, tfjsonpath.New("run_as_root"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(haproxyAddr, tfjsonpath.New("running"), knownvalue.Bool(true)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckConfigHas(m, "global", "maxconn 4000", "nbthread 2", "log /dev/log local0", "log 127.0.0.1:514 local1 notice"),
					// client-native writes timeouts in milliseconds.
					testCheckConfigHas(m, "defaults base", "timeout connect 5000", "timeout client 31000", "timeout server 32000", "option httplog"),
					testCheckServing(m),
				),
			},
			{
				// The same durations spelled differently plan nothing.
				Config:   strings.Replace(config, `"31s"`, `"31000ms"`, 1),
				PlanOnly: true,
			},
			{
				Config:            config,
				ResourceName:      haproxyAddr,
				ImportState:       true,
				ImportStateId:     "haproxy",
				ImportStateVerify: true,
			},
		},
	})
}

// An existing HAProxy is adopted with an import block, and a configuration
// that sets only some attributes plans no change to them. The lab's file
// has no state file and no hard-stop-after: adopted, they read as null and
// are not forced into global (issue 17), so the adoption is a no-op; the
// next step turns them on by saying so.
func TestAccHAProxy_importBlock(t *testing.T) {
	m := testMachine(t)
	keepGlobalAndDefaults(t, m)
	config := providerBlock(m, "") + `
import {
  to = switchyard_haproxy.this
  id = "haproxy"
}

resource "switchyard_haproxy" "this" {
  mode = "http"
  %s
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(config, ""),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(haproxyAddr, plancheck.ResourceActionNoop),
					plancheck.ExpectKnownValue(haproxyAddr, tfjsonpath.New("server_state_file"), knownvalue.Null()),
					plancheck.ExpectKnownValue(haproxyAddr, tfjsonpath.New("timeout_connect"), knownvalue.StringExact("5s")),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(haproxyAddr, tfjsonpath.New("defaults_name"), knownvalue.StringExact("base")),
				statecheck.ExpectKnownValue(haproxyAddr, tfjsonpath.New("timeout_connect"), knownvalue.StringExact("5s")),
				statecheck.ExpectKnownValue(haproxyAddr, tfjsonpath.New("hard_stop_after"), knownvalue.Null()),
			},
			Check: testCheckConfigLacks(m, "server-state-file", "hard-stop-after"),
		}, {
			Config: fmt.Sprintf(config, `server_state_file = "/var/lib/haproxy/server-state"
  hard_stop_after   = "30m"`),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(haproxyAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(haproxyAddr, tfjsonpath.New("server_state_file"), knownvalue.StringExact("/var/lib/haproxy/server-state")),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(haproxyAddr, tfjsonpath.New("defaults_name"), knownvalue.StringExact("base")),
				statecheck.ExpectKnownValue(haproxyAddr, tfjsonpath.New("timeout_connect"), knownvalue.StringExact("5s")),
				statecheck.ExpectKnownValue(haproxyAddr, tfjsonpath.New("hard_stop_after"), knownvalue.StringExact("30m")),
			},
		}},
	})
}

// A hand edit of maxconn and a stopped HAProxy are both drift, and an apply
// repairs both.
func TestAccHAProxy_drift(t *testing.T) {
	m := testMachine(t)
	keepGlobalAndDefaults(t, m)
	config := providerBlock(m, "") + `
resource "switchyard_haproxy" "this" {
  maxconn        = 4000
  timeout_server = "30s"
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, Check: testCheckConfigHas(m, "global", "maxconn 4000")},
			{
				PreConfig: func() {
					editConfig(t, m, func(cfg string) (string, error) {
						lines := strings.Split(cfg, "\n")
						start, end, ok := sectionBounds(lines, "global")
						if !ok {
							return "", fmt.Errorf("no global section")
						}
						for i := start; i < end; i++ {
							if strings.TrimSpace(lines[i]) == "maxconn 4000" {
								lines[i] = "  maxconn 4001"
								return strings.Join(lines, "\n"), nil
							}
						}
						return "", fmt.Errorf("no maxconn 4000 in global")
					})
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(haproxyAddr, plancheck.ResourceActionUpdate)},
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(haproxyAddr, plancheck.ResourceActionUpdate)},
				},
				Check: testCheckConfigHas(m, "global", "maxconn 4000"),
			},
			{
				PreConfig:          func() { runOnMachine(t, m, "systemctl", "stop", "haproxy") },
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(haproxyAddr, plancheck.ResourceActionUpdate)},
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(haproxyAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(haproxyAddr, tfjsonpath.New("running"), knownvalue.Bool(true)),
				},
				Check: testCheckServing(m),
			},
		},
	})
}

func TestAccHAProxy_badInput(t *testing.T) {
	m := testMachine(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      providerBlock(m, "") + `resource "switchyard_haproxy" "this" { timeout_client = "fast" }`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(words(`"fast" is not a duration`)),
			},
			{
				Config:      providerBlock(m, "") + `resource "switchyard_haproxy" "this" { nbthread = 0 }`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(words(`between 1 and 4096`)),
			},
			{
				Config: providerBlock(m, "") + `
import {
  to = switchyard_haproxy.this
  id = "nope"
}

resource "switchyard_haproxy" "this" {}
`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(words(`The import id of switchyard_haproxy is always "haproxy"`)),
			},
		},
	})
}
