# Two machines: /app3 and /app4 go to apps on the worker machine, reached on
# its private address; everything else to a namespaced app on the edge.

variable "worker_app_ports" {
  description = "Ports of the two apps on the worker's private address: /app3 goes to the first, /app4 to the second."
  type        = list(number)
  default     = [8083, 8084]
}

variable "app_command" {
  description = "Command line of an app ({port} and {address} are replaced). The default is the lab app; on a real machine set your own."
  type        = list(string)
  default     = ["/usr/bin/python3", "/usr/local/lib/switchyard-lab/app.py", "{port}", "{address}"]
}

locals {
  worker_apps = { app3 = var.worker_app_ports[0], app4 = var.worker_app_ports[1] }
}

# The worker's apps listen on the worker's network, sandboxed (no namespace:
# the edge reaches them on the worker's private address). They bind all
# addresses because apply waits for readiness_port on 127.0.0.1; on a real
# machine the private network (or a firewall) keeps them private.
resource "switchyard_service" "worker_app" {
  provider = switchyard.worker
  for_each = local.worker_apps

  name           = "${var.name}-${each.key}"
  exec_start     = [for arg in var.app_command : replace(replace(arg, "{port}", tostring(each.value)), "{address}", "0.0.0.0")]
  readiness_port = each.value
}

module "app" {
  source    = "../../modules/namespaced-app"
  providers = { switchyard = switchyard.edge }

  name        = "${var.name}-app"
  app_command = var.app_command
}

module "edge" {
  source    = "../../modules/edge"
  providers = { switchyard = switchyard.edge }

  name           = var.name
  listen_address = var.edge.host
  http_port      = var.http_port
  pool_ports     = []
  routes = [
    for route, port in local.worker_apps : {
      name    = route
      path    = "/${route}"
      servers = [{ address = var.worker.host, port = switchyard_service.worker_app[route].readiness_port }]
    }
  ]
  default_backend = module.app.backend
}

output "url" {
  description = "URL of the edge's frontend."
  value       = module.edge.url
}

output "route_backends" {
  description = "Backend of each path route on the edge."
  value       = module.edge.route_backends
}

output "worker_services" {
  description = "Systemd services of the worker's apps."
  value       = [for s in switchyard_service.worker_app : s.name]
}

output "namespace" {
  description = "Network namespace of the edge's app."
  value       = module.app.namespace
}
