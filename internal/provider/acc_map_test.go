package provider

// Acceptance tests of switchyard_map and switchyard_map_entry. Routing by
// map is checked through a frontend written by hand into haproxy.cfg (the
// frontend resource is not used here, so these tests depend only on maps
// and backends). The proof that a map change needs no reload is the master
// CLI's list of workers: a reload replaces them.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path"
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

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
)

var labMapsDir = api.DefaultHAProxySettings().MapsDir

func labMapPath(name string) string { return path.Join(labMapsDir, name+".map") }

// mapBlock is a switchyard_map with the given entries (HCL values).
func mapBlock(resourceName, name string, entries map[string]string) string {
	keys := make([]string, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "    %q = %s\n", k, entries[k])
	}
	return fmt.Sprintf(`
resource "switchyard_map" %q {
  name    = %q
  entries = {
%s  }
}
`, resourceName, name, b.String())
}

// TestAccMap_routingWithoutReload is the scenario maps exist for: routing
// by user through a map, changed by Terraform at runtime without a reload,
// and hand changes at runtime or in the file seen as drift and repaired.
func TestAccMap_routingWithoutReload(t *testing.T) {
	m := testMachine(t)
	name := acctest.RandomWithPrefix("accmap")
	deluxe, standard := name+"-deluxe", name+"-standard"
	frontend := "fe-" + name
	port := acctest.RandIntRange(8100, 8199)
	file := labMapPath(name)
	addr := "switchyard_map.users"
	backends := backendBlock("deluxe", deluxe, "", 8081) + backendBlock("standard", standard, "", 8080)
	config := func(john string) string {
		return providerBlock(m, "") + backends + mapBlock("users", name, map[string]string{
			"vip":  "switchyard_backend.deluxe.name",
			"john": "switchyard_backend." + john + ".name",
		})
	}
	section := fmt.Sprintf(`
frontend %s
    bind :%d
    use_backend %%[req.hdr(x-user),map(%s,%s)]
`, frontend, port, file, standard)
	var workers []int
	// After a failure, the destroy cannot remove the map while the frontend
	// names it, nor the backends the map's entries depend on.
	t.Cleanup(func() {
		removeMapFrontend(t, m, frontend, file)
		removeBackendByHand(t, m, deluxe)
		removeBackendByHand(t, m, standard)
	})

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			testCheckMapFileGone(m, file),
			testCheckBackendsGone(m, deluxe, standard),
		),
		Steps: []resource.TestStep{
			{
				// No rule uses the map yet: only the file is written.
				Config: config("standard"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("path"), knownvalue.StringExact(file)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("entries"), knownvalue.MapExact(map[string]knownvalue.Check{
						"vip": knownvalue.StringExact(deluxe), "john": knownvalue.StringExact(standard),
					})),
				},
				Check: testCheckMapFile(m, file, map[string]string{"vip": deluxe, "john": standard}),
			},
			{
				// The hand-written frontend's reload loads the map.
				PreConfig: func() {
					editConfig(t, m, func(cfg string) (string, error) { return cfg + section, nil })
				},
				Config: config("standard"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: testCheckRoutedBy(m, port, map[string]int{"vip": 8081, "john": 8080, "nobody": 8080}),
			},
			{
				PreConfig: func() { recordWorkers(t, m, &workers) },
				Config:    config("deluxe"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckRoutedBy(m, port, map[string]int{"vip": 8081, "john": 8081, "nobody": 8080}),
					testCheckMapFile(m, file, map[string]string{"vip": deluxe, "john": deluxe}),
					testCheckNoReload(m, &workers),
				),
			},
			{
				Config:            config("deluxe"),
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     name,
				ImportStateVerify: true,
			},
			{
				// A change at runtime only.
				PreConfig: func() {
					runtimeCommand(t, m, fmt.Sprintf("set map %s john %s", file, standard))
				},
				Config:             config("deluxe"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				PreConfig: func() { recordWorkers(t, m, &workers) },
				Config:    config("deluxe"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckRoutedBy(m, port, map[string]int{"vip": 8081, "john": 8081}),
					testCheckNoReload(m, &workers),
				),
			},
			{
				// A change in the file only: the running map still routes
				// vip to deluxe, but the next reload would not.
				PreConfig: func() {
					writeLabFile(t, m, file, fmt.Sprintf("vip %s\njohn %s\n", standard, deluxe))
				},
				Config:             config("deluxe"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				PreConfig: func() { recordWorkers(t, m, &workers) },
				Config:    config("deluxe"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckMapFile(m, file, map[string]string{"vip": deluxe, "john": deluxe}),
					testCheckRoutedBy(m, port, map[string]int{"vip": 8081, "john": 8081}),
					testCheckNoReload(m, &workers),
				),
			},
			{
				// Destroying a map that haproxy.cfg still names is refused.
				Config:      providerBlock(m, "") + backends,
				ExpectError: regexp.MustCompile(words("Unable to Delete Map")),
			},
			{
				// The frontend goes first, then the map can go.
				PreConfig: func() { removeMapFrontend(t, m, frontend, "") },
				Config:    config("deluxe"),
			},
		},
	})
}

// A map file written by hand is adopted by import with no change.
func TestAccMap_importHandWritten(t *testing.T) {
	m := testMachine(t)
	name := acctest.RandomWithPrefix("accmap-hand")
	file := labMapPath(name)
	t.Cleanup(func() { removeMapFrontend(t, m, "", file) })

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testCheckMapFileGone(m, file),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				writeLabFile(t, m, file, "# written by hand\nvip  deluxe\n\njohn\tstandard\n")
			},
			Config: providerBlock(m, "") + fmt.Sprintf(`
import {
  to = switchyard_map.hand
  id = %q
}
`, name) + mapBlock("hand", name, map[string]string{"vip": `"deluxe"`, "john": `"standard"`}),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("switchyard_map.hand", plancheck.ResourceActionNoop)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
		}},
	})
}

// One key of a map that something else also fills: the other lines stay,
// changes reach the running map, a runtime change is drift.
func TestAccMapEntry_basic(t *testing.T) {
	m := testMachine(t)
	name := acctest.RandomWithPrefix("accentry")
	file := labMapPath(name)
	frontend := "fe-" + name
	port := acctest.RandIntRange(8100, 8199)
	addr := "switchyard_map_entry.john"
	// The frontend answers with the map's value for x-user, which shows
	// what the running HAProxy has without any backend.
	section := fmt.Sprintf(`
frontend %s
    bind :%d
    http-request return status 200 content-type text/plain lf-string "%%[req.hdr(x-user),map(%s,none)]"
`, frontend, port, file)
	config := func(value string) string {
		return providerBlock(m, "") + fmt.Sprintf(`
resource "switchyard_map_entry" "john" {
  map   = %q
  key   = "john"
  value = %q
}
`, name, value)
	}
	t.Cleanup(func() { removeMapFrontend(t, m, frontend, file) })

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		// The entry is gone, the line someone else wrote is not.
		CheckDestroy: testCheckMapFile(m, file, map[string]string{"other": "kept"}),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					writeLabFile(t, m, file, "# someone else's\nother kept\n")
					editConfig(t, m, func(cfg string) (string, error) { return cfg + section, nil })
				},
				Config: config("gold"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(name+"/john")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("path"), knownvalue.StringExact(file)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckMapFile(m, file, map[string]string{"other": "kept", "john": "gold"}),
					testCheckAnswers(m, port, map[string]string{"john": "gold", "other": "kept"}),
				),
			},
			{
				Config: config("silver"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckMapFile(m, file, map[string]string{"other": "kept", "john": "silver"}),
					testCheckAnswers(m, port, map[string]string{"john": "silver", "other": "kept"}),
				),
			},
			{
				Config:            config("silver"),
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     name + "/john",
				ImportStateVerify: true,
			},
			{
				PreConfig:          func() { runtimeCommand(t, m, fmt.Sprintf("set map %s john bronze", file)) },
				Config:             config("silver"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config("silver"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: testCheckAnswers(m, port, map[string]string{"john": "silver"}),
			},
			{
				PreConfig: func() { removeMapFrontend(t, m, frontend, "") },
				Config:    config("silver"),
			},
		},
	})
}

func TestAccMap_badInput(t *testing.T) {
	m := testMachine(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      providerBlock(m, "") + mapBlock("bad", "../escape", map[string]string{"a": `"b"`}),
				ExpectError: regexp.MustCompile(words(`map name "../escape" starts with a dot`)),
			},
			{
				Config:      providerBlock(m, "") + mapBlock("bad", "users", map[string]string{"jo\nhn": `"b"`}),
				ExpectError: regexp.MustCompile(words(`contains a line break; a map file ends the key at the first blank`)),
			},
			{
				Config: providerBlock(m, "") + `
resource "switchyard_map_entry" "bad" {
  map   = "users"
  key   = "john"
  value = "gold\nsilver"
}
`,
				ExpectError: regexp.MustCompile(words(`contains a line break; a map file holds one entry per line`)),
			},
		},
	})
}

// runtimeCommand sends one command to the admin socket by hand, as an
// operator would with socat.
func runtimeCommand(t *testing.T, m lab.Machine, command string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
	defer cancel()
	out, _, err := m.Run(ctx, "sh", "-c", `printf '%s\n' "$1" | socat "$2" -`, "sh", command, api.DefaultHAProxySettings().RuntimeSocket)
	if err != nil {
		t.Fatalf("%s on %s: %v", command, m.Name, err)
	}
	if strings.TrimSpace(out) != "" {
		t.Fatalf("%s on %s: %s", command, m.Name, out)
	}
}

func writeLabFile(t *testing.T, m lab.Machine, file, content string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
	defer cancel()
	if _, _, err := m.Run(ctx, "mkdir", "-p", path.Dir(file)); err != nil {
		t.Fatal(err)
	}
	if err := m.WriteFile(ctx, file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// workerPIDs asks the master CLI for the current workers.
func workerPIDs(m lab.Machine) ([]int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
	defer cancel()
	out, _, err := m.Run(ctx, "sh", "-c", `echo "show proc" | socat "$1" -`, "sh", api.DefaultHAProxySettings().MasterSocket)
	if err != nil {
		return nil, err
	}
	var pids []int
	section := ""
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case strings.HasPrefix(f[0], "#"):
			section = strings.TrimSpace(strings.TrimPrefix(line, "#"))
		case section == "workers" && len(f) > 1 && f[1] == "worker":
			var pid int
			if _, err := fmt.Sscan(f[0], &pid); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	if len(pids) == 0 {
		return nil, fmt.Errorf("no workers in show proc on %s:\n%s", m.Name, out)
	}
	slices.Sort(pids)
	return pids, nil
}

// recordWorkers notes HAProxy's workers right before an apply, so that the
// window in which another test's reload could be mistaken for ours is as
// short as the apply.
func recordWorkers(t *testing.T, m lab.Machine, workers *[]int) {
	t.Helper()
	w, err := workerPIDs(m)
	if err != nil {
		t.Fatal(err)
	}
	*workers = w
}

// testCheckNoReload fails when HAProxy's workers are not the ones recorded
// earlier: any reload since then would have replaced them. (Another test
// reloading the same machine at the same time also fails this check; rerun.)
func testCheckNoReload(m lab.Machine, before *[]int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		now, err := workerPIDs(m)
		if err != nil {
			return err
		}
		if diff := cmp.Diff(*before, now); diff != "" {
			return fmt.Errorf("HAProxy's workers changed, so it reloaded (-before +now):\n%s", diff)
		}
		return nil
	}
}

// testCheckMapFile compares the entries of a map file on the machine.
func testCheckMapFile(m lab.Machine, file string, want map[string]string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
		defer cancel()
		out, _, err := m.Run(ctx, "cat", file)
		if err != nil {
			return err
		}
		got := map[string]string{}
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			if len(f) == 0 || strings.HasPrefix(f[0], "#") {
				continue
			}
			got[f[0]] = strings.Join(f[1:], " ")
		}
		if diff := cmp.Diff(want, got); diff != "" {
			return fmt.Errorf("%s on %s (-want +got):\n%s", file, m.Name, diff)
		}
		return nil
	}
}

func testCheckMapFileGone(m lab.Machine, file string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
		defer cancel()
		out, _, err := m.Run(ctx, "sh", "-c", `test -e "$1" && echo present || true`, "sh", file)
		if err != nil {
			return err
		}
		if strings.TrimSpace(out) == "present" {
			return fmt.Errorf("%s is still on %s", file, m.Name)
		}
		return nil
	}
}

// testCheckRoutedBy sends a request per user (x-user header) to the
// frontend on port and checks which lab app answered.
func testCheckRoutedBy(m lab.Machine, port int, want map[string]int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got := map[string]int{}
		for user := range want {
			body, err := getAs(m, port, user)
			if err != nil {
				return err
			}
			match := labAppBody.FindStringSubmatch(body)
			if match == nil {
				return fmt.Errorf("x-user %s: unexpected answer %q", user, body)
			}
			var p int
			if _, err := fmt.Sscan(match[1], &p); err != nil {
				return fmt.Errorf("x-user %s: app number in %q: %w", user, body, err)
			}
			got[user] = p
		}
		if diff := cmp.Diff(want, got); diff != "" {
			return fmt.Errorf("app that answered each user (-want +got):\n%s", diff)
		}
		return nil
	}
}

// testCheckAnswers checks the bodies a `http-request return` frontend gives
// per user.
func testCheckAnswers(m lab.Machine, port int, want map[string]string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got := map[string]string{}
		for user := range want {
			body, err := getAs(m, port, user)
			if err != nil {
				return err
			}
			got[user] = body
		}
		if diff := cmp.Diff(want, got); diff != "" {
			return fmt.Errorf("answer for each user (-want +got):\n%s", diff)
		}
		return nil
	}
}

func getAs(m lab.Machine, port int, user string) (string, error) {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("http://%s:%d/", m.Address, port), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("x-user", user)
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("GET %s as %s: %w", req.URL, user, err)
	}
	defer func() { _ = resp.Body.Close() }() // only read
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s as %s: %s: %q", req.URL, user, resp.Status, body)
	}
	return string(body), nil
}

// removeMapFrontend removes a hand-written frontend section (when present)
// and then a map file (when file is not ""), in that order: HAProxy cannot
// reload a configuration that names a missing map file.
func removeMapFrontend(t *testing.T, m lab.Machine, frontend, file string) {
	t.Helper()
	if frontend != "" {
		cfg, err := readConfig(m)
		if err != nil {
			t.Error(err)
			return
		}
		header := "frontend " + frontend
		if slices.Contains(strings.Split(cfg, "\n"), header) {
			editConfig(t, m, func(cfg string) (string, error) {
				lines := strings.Split(strings.TrimSuffix(cfg, "\n"), "\n")
				start := slices.Index(lines, header)
				end := start + 1
				for end < len(lines) && (lines[end] == "" || lines[end][0] == ' ' || lines[end][0] == '\t') {
					end++
				}
				return strings.Join(slices.Concat(lines[:start], lines[end:]), "\n") + "\n", nil
			})
		}
	}
	if file != "" {
		ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
		defer cancel()
		if _, _, err := m.Run(ctx, "rm", "-f", file); err != nil {
			t.Error(err)
		}
	}
}
