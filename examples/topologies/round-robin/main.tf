# Round robin on one machine: HAProxy listens on http_port and balances over
# several instances of an app on the machine's loopback.

variable "app_ports" {
  description = "Ports of the app instances on the machine's loopback (the lab runs 8080, 8081 and 8082)."
  type        = list(number)
  default     = [8080, 8081, 8082]
}

module "edge" {
  source    = "../../modules/edge"
  providers = { switchyard = switchyard.edge }

  name           = var.name
  listen_address = var.edge.host
  http_port      = var.http_port
  pool_ports     = var.app_ports
}

data "switchyard_host" "this" {
  provider = switchyard.edge
}

output "url" {
  description = "URL of the frontend."
  value       = module.edge.url
}

output "backend" {
  description = "Name of the round-robin backend."
  value       = module.edge.pool_backend
}

output "haproxy_version" {
  description = "HAProxy version on the machine."
  value       = data.switchyard_host.this.haproxy_version
}
