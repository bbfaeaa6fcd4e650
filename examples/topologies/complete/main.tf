# The whole architecture on two machines: the layered topology (the edge
# routes /remote to the worker's own HAProxy, which routes into the worker's
# namespace) plus routing by identity on the edge (basic auth, and a user map
# that sends some users to a deluxe instance with more CPU quota).
terraform {
  required_version = ">= 1.11"
  required_providers {
    switchyard = {
      source = "switchyard/switchyard"
    }
  }
}

provider "switchyard" {
  alias            = "edge"
  host             = var.edge.host
  private_key_file = var.edge.private_key_file
  host_key         = var.edge.host_key
}

provider "switchyard" {
  alias            = "worker"
  host             = var.worker.host
  private_key_file = var.worker.private_key_file
  host_key         = var.worker.host_key
}

module "worker" {
  source    = "../../modules/worker"
  providers = { switchyard = switchyard.worker }

  name           = "${var.name}-worker"
  listen_address = var.worker.host
  http_port      = var.http_port
}

# The deluxe instance: the same app, in a namespace of its own on the edge,
# with more CPU quota.
module "deluxe" {
  source    = "../../modules/namespaced-app"
  providers = { switchyard = switchyard.edge }

  name       = "${var.name}-deluxe"
  cpu_quota  = var.deluxe_cpu_quota
  cpu_weight = 400
}

module "edge" {
  source    = "../../modules/edge"
  providers = { switchyard = switchyard.edge }

  name           = var.name
  listen_address = var.edge.host
  http_port      = var.http_port
  pool_ports     = var.pool_ports

  routes = [{
    name    = "remote"
    path    = "/remote"
    servers = [{ address = module.worker.address, port = module.worker.port }]
  }]

  users                = var.users
  passwords_wo         = var.passwords_wo
  passwords_wo_version = var.passwords_wo_version
  # Moving a user to deluxe (or back) is one entry here: a runtime map
  # change, no reload.
  user_backends = { for user in var.deluxe_users : user => module.deluxe.backend }
}
