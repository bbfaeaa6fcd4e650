# Adopting a machine configured by hand, in two steps (docs/guides/adopting-a-machine.md).
#
# Step 1: `terraform apply` reads the machine's inventory and writes the
# import blocks for everything on it to the `import_blocks` output; save
# them with `terraform output -raw import_blocks > imports.tf`.
# Step 2: `terraform plan -generate-config-out=generated.tf` writes the
# configuration of every imported object; the plan must say "N to import,
# 0 to add, 0 to change, 0 to destroy"; `terraform apply` adopts them
# without touching the machine.
#
# Two steps because Terraform (1.11) cannot generate configuration for
# import blocks with for_each: the blocks are written out one per object.

provider "switchyard" {
  host             = var.machine.host
  private_key_file = var.machine.private_key_file
  host_key         = var.machine.host_key
}

data "switchyard_inventory" "this" {}

locals {
  inventory = data.switchyard_inventory.this
  # Import ids per resource type. Map files are adopted whole
  # (switchyard_map with its entries); switchyard_map_entry, which
  # manages one key of a map someone else owns, would fight over them.
  ids = {
    switchyard_haproxy     = local.inventory.haproxy ? ["haproxy"] : []
    switchyard_namespace   = sort(local.inventory.namespaces)
    switchyard_service     = sort(local.inventory.services)
    switchyard_certificate = sort(local.inventory.certificates)
    switchyard_map         = sort(local.inventory.maps)
    switchyard_userlist    = sort(local.inventory.userlists)
    switchyard_cache       = sort(local.inventory.caches)
    switchyard_backend     = sort(local.inventory.backends)
    switchyard_frontend    = sort(local.inventory.frontends)
  }
  # A resource name from an id: HAProxy allows characters Terraform names
  # do not ("." and ":"), and a name must not start with a digit.
  import_blocks = join("\n", flatten([
    for type in sort(keys(local.ids)) : [
      for id in local.ids[type] : <<-EOT
        import {
          to = ${type}.${replace(replace(id, "/[^0-9A-Za-z_-]/", "_"), "/^([0-9-])/", "_$1")}
          id = ${jsonencode(id)}
        }
      EOT
    ]
  ]))
}

output "import_blocks" {
  description = "One import block per object on the machine; save as imports.tf (step 2)."
  value       = local.import_blocks
}

output "unsupported" {
  description = "What is on the machine that no Switchyard resource can represent, with why: adopt it by hand or leave it unmanaged."
  value       = local.inventory.unsupported
}
