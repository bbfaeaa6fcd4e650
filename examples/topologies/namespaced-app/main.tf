# One machine; the app runs as sandboxed services in a network namespace of
# its own, unreachable except through HAProxy, which connects into the
# namespace.

variable "instances" {
  description = "Number of app instances in the namespace (ports 8000, 8001, … on its loopback)."
  type        = number
  default     = 2
}

variable "cpu_quota" {
  description = "CPU quota of each instance (CPUQuota=)."
  type        = string
  default     = "50%"
}

variable "app_command" {
  description = "Command line of one instance ({port} and {address} are replaced). The default is the lab app; on a real machine set your own."
  type        = list(string)
  default     = ["/usr/bin/python3", "/usr/local/lib/switchyard-lab/app.py", "{port}", "{address}"]
}

module "app" {
  source    = "../../modules/namespaced-app"
  providers = { switchyard = switchyard.edge }

  name        = "${var.name}-app"
  instances   = var.instances
  cpu_quota   = var.cpu_quota
  app_command = var.app_command
}

module "edge" {
  source    = "../../modules/edge"
  providers = { switchyard = switchyard.edge }

  name            = var.name
  listen_address  = var.edge.host
  http_port       = var.http_port
  pool_ports      = []
  default_backend = module.app.backend
}

output "url" {
  description = "URL of the frontend."
  value       = module.edge.url
}

output "namespace" {
  description = "Network namespace of the app."
  value       = module.app.namespace
}

output "services" {
  description = "Systemd services of the app instances."
  value       = module.app.services
}

output "backend" {
  description = "Backend into the namespace."
  value       = module.app.backend
}
