output "address" {
  description = "Address the worker's HAProxy listens on. Taken from the frontend, so that an edge routing to it waits until the worker's HAProxy listens."
  value       = switchyard_frontend.this.binds[0].address
}

output "port" {
  description = "Port the worker's HAProxy listens on (from the frontend, like address)."
  value       = switchyard_frontend.this.binds[0].port
}

output "frontend" {
  description = "Name of the worker's frontend."
  value       = switchyard_frontend.this.name
}

output "backend" {
  description = "Name of the backend into the worker's namespaced app."
  value       = module.app.backend
}

output "namespace" {
  description = "Name of the worker's network namespace."
  value       = module.app.namespace
}

output "services" {
  description = "Names of the worker's app services."
  value       = module.app.services
}
