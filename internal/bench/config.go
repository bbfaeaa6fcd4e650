package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The configurations the benchmark runs are generated, one directory each,
// into a tree that tfrun.NewWorkspace copies. Every object name starts with
// the run's prefix ("bench-" by default) so that they never collide with
// what other tests create on the same machine.

// Module directories inside the generated tree.
const (
	fixtureModule = "fixture"
	fixtureFloor  = "fixture-floor"
)

func sizeModule(n int) string  { return fmt.Sprintf("switchyard-%d", n) }
func floorModule(n int) string { return fmt.Sprintf("floor-%d", n) }

// switchyardResources is the number of resources of the Switchyard
// configuration for n: n backends, n map entries and one map. The floor
// configuration has the same number of terraform_data resources, so that
// the ratio compares Switchyard with what Terraform itself spends on that
// many resources (graph, state, plan), not with a smaller graph.
func switchyardResources(n int) int { return 2*n + 1 }

// providerHCL is the switchyard provider setup every Switchyard
// configuration shares: the machine comes in as variables (lab TFVars).
const providerHCL = `terraform {
  required_providers {
    switchyard = { source = "switchyard/switchyard" }
  }
}

variable "host" { type = string }
variable "private_key_file" { type = string }
variable "host_key" { type = string }

provider "switchyard" {
  host             = var.host
  private_key_file = var.private_key_file
  host_key         = var.host_key
}
`

// serversHCL: three servers on the lab apps every machine runs.
const serversHCL = `[
    for i, port in [8080, 8081, 8082] : { name = "app${i + 1}", address = "127.0.0.1", port = port }
  ]`

// changedPort is where every server of the changed backend points after
// the "one backend changed" apply: the lab app on it names its port in
// its answer, so a request shows whether HAProxy serves the change (before
// it, round robin over 8080–8082 never answers from 8082 twice in a row).
const changedPort = 8082

// changedBackend is the backend the "one backend changed" apply changes.
func changedBackend(prefix string) string { return prefix + "0000" }

// sizeHCL is the Switchyard configuration for n: n backends of three
// servers, one map (owned by switchyard_map) with n entries routing names
// to the backends, and n switchyard_map_entry resources in the map the
// fixture's probe backend uses (so HAProxy has it loaded and each entry is
// a runtime `add map`, not only a file write). With var.changed the first
// backend's servers all move to changedPort: a port change HAProxy takes
// at runtime (`set server … addr`), so the issue expects no reload for it.
func sizeHCL(prefix string, n int) string {
	var b strings.Builder
	b.WriteString(providerHCL)
	fmt.Fprintf(&b, `
variable "changed" {
  type    = bool
  default = false
}

resource "switchyard_backend" "b" {
  count = %[2]d
  name  = format("%[1]s%%04d", count.index)
  servers = [
    for i, port in [8080, 8081, 8082] :
    { name = "app${i + 1}", address = "127.0.0.1", port = count.index == 0 && var.changed ? %[3]d : port }
  ]
}

resource "switchyard_map" "routes" {
  name    = "%[1]sroutes"
  entries = { for i in range(%[2]d) : format("%[1]s%%04d.example", i) => format("%[1]s%%04d", i) }
}

resource "switchyard_map_entry" "e" {
  count = %[2]d
  map   = "%[1]sentries"
  key   = format("%[1]s%%04d", count.index)
  value = format("v%%04d", count.index)
}
`, prefix, n, changedPort)
	return b.String()
}

// floorHCL is Terraform's own floor for the same number of resources; var.one
// changes one of them (the floor of "one backend changed").
func floorHCL(resources int) string {
	return fmt.Sprintf(`variable "one" {
  type    = string
  default = "a"
}

resource "terraform_data" "d" {
  count = %d
  input = count.index == 0 ? var.one : format("bench-%%04d", count.index)
}
`, resources)
}

// fixtureHCL is what lives for the whole run: the probe backend the request
// loop targets, the map whose entries are all replaced at once, and one
// map entry changed end to end. The probe backend's rules read both maps,
// so HAProxy has them loaded and their changes go through the runtime API.
func fixtureHCL(prefix string) string {
	var b strings.Builder
	b.WriteString(providerHCL)
	fmt.Fprintf(&b, `
variable "swap_entries" { type = number }
variable "swap_generation" {
  type    = number
  default = 0
}
variable "one_value" {
  type    = string
  default = "v0"
}

resource "switchyard_map" "swap" {
  name    = "%[1]sswap"
  entries = { for i in range(var.swap_entries) : format("k%%05d", i) => format("g%%d-%%d", var.swap_generation, i) }
}

resource "switchyard_map_entry" "one" {
  map   = "%[1]sentries"
  key   = "%[1]sone"
  value = var.one_value
}

resource "switchyard_backend" "probe" {
  name = "%[1]sprobe"
  http_request = [
    "set-header x-bench-swap %%[req.hdr(x-bench-key),map(${switchyard_map.swap.path},none)]",
    "set-header x-bench-entry %%[req.hdr(x-bench-key),map(${switchyard_map_entry.one.path},none)]",
  ]
  servers = %[2]s
}

output "swap_path" { value = switchyard_map.swap.path }
output "entries_path" { value = switchyard_map_entry.one.path }
`, prefix, serversHCL)
	return b.String()
}

// fixtureFloorHCL: the floor for the fixture's one-value changes (three
// resources, one of which changes).
const fixtureFloorHCL = `variable "one_value" {
  type    = string
  default = "v0"
}

resource "terraform_data" "fixed" {
  count = 2
  input = "bench-${count.index}"
}

resource "terraform_data" "one" {
  input = var.one_value
}
`

// writeTree writes every configuration the run needs under root.
func writeTree(root, prefix string, sizes []int) error {
	files := map[string]string{
		filepath.Join(fixtureModule, "main.tf"): fixtureHCL(prefix),
		filepath.Join(fixtureFloor, "main.tf"):  fixtureFloorHCL,
	}
	for _, n := range sizes {
		files[filepath.Join(sizeModule(n), "main.tf")] = sizeHCL(prefix, n)
		files[filepath.Join(floorModule(n), "main.tf")] = floorHCL(switchyardResources(n))
	}
	for p, text := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}
