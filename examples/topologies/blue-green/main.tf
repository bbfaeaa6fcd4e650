# One machine: an app deployed blue-green behind a public frontend. Both
# colours run side by side in namespaces of their own; the frontend's
# default backend holds both colours' servers, and `live` says whose are
# ready. With canary_users, those users get the idle colour first.

module "app" {
  source    = "../../modules/blue-green"
  providers = { switchyard = switchyard.edge }

  name          = "${var.name}-app"
  live          = var.live
  blue_version  = var.blue_version
  green_version = var.green_version
  instances     = var.instances
  app_command   = var.app_command
  # A backend per colour, only for the canary's user map.
  colour_backends = length(var.canary_users) > 0
}

module "edge" {
  source    = "../../modules/edge"
  providers = { switchyard = switchyard.edge }

  name            = var.name
  listen_address  = var.edge.host
  http_port       = var.http_port
  pool_ports      = []
  default_backend = module.app.backend

  # Canary by user: these users get the idle colour (the next version)
  # before everyone; moving a user in or out is one map entry, no reload.
  users         = var.users
  user_backends = { for u in var.canary_users : u => module.app.colour_backends[module.app.idle] }
}

output "url" {
  description = "URL of the frontend."
  value       = module.edge.url
}

output "backend" {
  description = "The backend with both colours' servers."
  value       = module.app.backend
}

output "live" {
  description = "The colour that takes the traffic."
  value       = module.app.live
}

output "idle" {
  description = "The drained colour: deploy the next version into it."
  value       = module.app.idle
}

output "versions" {
  description = "Version of each colour."
  value       = module.app.versions
}

output "live_version" {
  description = "Version the users get."
  value       = module.app.live_version
}

output "services" {
  description = "Systemd services of each colour."
  value       = module.app.services
}

output "namespaces" {
  description = "Network namespace of each colour."
  value       = module.app.namespaces
}
