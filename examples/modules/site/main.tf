# A whole site on two machines, the composition of examples/topologies/complete
# packaged as one module so that environments differ only in their inputs:
# the edge (auth, user map, pool, /remote route) and a deluxe namespaced app
# on switchyard.edge; the worker's HAProxy and namespaced app on
# switchyard.worker.

module "worker" {
  source    = "../worker"
  providers = { switchyard = switchyard.worker }

  name           = "${var.name}-worker"
  listen_address = var.worker_address
  http_port      = var.http_port
  instances      = var.worker_instances
  app_command    = var.app_command
}

module "deluxe" {
  source    = "../namespaced-app"
  providers = { switchyard = switchyard.edge }

  name        = "${var.name}-deluxe"
  cpu_quota   = var.deluxe_cpu_quota
  app_command = var.app_command
}

module "edge" {
  source    = "../edge"
  providers = { switchyard = switchyard.edge }

  name           = var.name
  listen_address = var.edge_address
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
  user_backends        = { for user in var.deluxe_users : user => module.deluxe.backend }
}
