output "backend" {
  description = "Name of the HAProxy backend that balances over the instances; use it in a frontend's use_backend or default_backend."
  value       = switchyard_backend.this.name
}

output "namespace" {
  description = "Name of the network namespace the instances run in."
  value       = switchyard_namespace.this.name
}

output "services" {
  description = "Names of the systemd services, one per instance."
  value       = switchyard_service.app[*].name
}

output "ports" {
  description = "Ports of the instances on the namespace's loopback."
  value       = local.ports
}
