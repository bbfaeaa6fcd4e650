# Two machines, each with its own HAProxy: the edge routes /remote to the
# worker's HAProxy, which routes into the worker's own namespace. The edge
# knows only the worker's address and port.

module "worker" {
  source    = "../../modules/worker"
  providers = { switchyard = switchyard.worker }

  name           = "${var.name}-worker"
  listen_address = var.worker.host
  http_port      = var.http_port
}

module "edge" {
  source    = "../../modules/edge"
  providers = { switchyard = switchyard.edge }

  name           = var.name
  listen_address = var.edge.host
  http_port      = var.http_port
  routes = [{
    name    = "remote"
    path    = "/remote"
    servers = [{ address = module.worker.address, port = module.worker.port }]
  }]
}

output "url" {
  description = "URL of the edge's frontend."
  value       = module.edge.url
}

output "remote_url" {
  description = "URL answered by the worker's namespaced app."
  value       = "${module.edge.url}remote"
}

output "worker_namespace" {
  description = "Network namespace of the worker's app."
  value       = module.worker.namespace
}

output "worker_services" {
  description = "Systemd services of the worker's app."
  value       = module.worker.services
}
