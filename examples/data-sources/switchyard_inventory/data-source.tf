data "switchyard_inventory" "this" {}

# What no resource can represent (a `listen` section, a hand-made unit…);
# reading the data source also warns about each of them by name.
output "unsupported" {
  value = data.switchyard_inventory.this.unsupported
}

# Step 1 of adopting a machine: Terraform refuses -generate-config-out with
# for_each import blocks, so render one import block per object, save them
# to a file, run `terraform plan -generate-config-out=generated.tf`, and
# review the generated resources.
output "import_blocks" {
  value = join("", [for b in data.switchyard_inventory.this.backends :
    "import {\n  to = switchyard_backend.${replace(b, "-", "_")}\n  id = \"${b}\"\n}\n"
  ])
}

# Or, when the resources are written with for_each, one import block adopts
# all of them (Terraform 1.7+).
variable "backend_servers" {
  description = "Servers of each hand-written backend to adopt, by backend name."
  type = map(list(object({
    name    = string
    address = string
    port    = number
  })))
  default = {}
}

import {
  for_each = setintersection(data.switchyard_inventory.this.backends, keys(var.backend_servers))
  to       = switchyard_backend.adopted[each.key]
  id       = each.key
}

resource "switchyard_backend" "adopted" {
  for_each = var.backend_servers
  name     = each.key
  servers  = each.value
}
