output "backend" {
  description = "Name of the HAProxy backend that holds both colours' servers; use it in a frontend's use_backend or default_backend."
  value       = switchyard_backend.this.name
}

output "live" {
  description = "The colour that takes the traffic."
  value       = var.live
}

output "idle" {
  description = "The colour that is drained: the one to deploy the next version into."
  value       = local.idle
}

output "versions" {
  description = "Version of each colour, by colour."
  value       = local.versions
}

output "live_version" {
  description = "Version of the live colour: what the users get."
  value       = local.versions[var.live]
}

output "namespaces" {
  description = "Network namespace of each colour, by colour."
  value       = { for c, ns in switchyard_namespace.colour : c => ns.name }
}

output "services" {
  description = "Systemd services of each colour, by colour."
  value       = { for c in local.colours : c => [for i in range(var.instances) : switchyard_service.app["${c}-${i + 1}"].name] }
}

output "servers" {
  description = "Backend server names of each colour, by colour (blue-1, blue-2, …)."
  value       = { for c in local.colours : c => [for i in range(var.instances) : "${c}-${i + 1}"] }
}

output "colour_backends" {
  description = "Backend of each colour alone, by colour (with colour_backends; empty otherwise): the values of a canary user map."
  value       = { for c, b in switchyard_backend.colour : c => b.name }
}
