output "frontend" {
  description = "Name of the frontend."
  value       = switchyard_frontend.this.name
}

output "url" {
  description = "URL of the frontend."
  value       = "http://${var.listen_address}:${var.http_port}/"
}

output "pool_backend" {
  description = "Name of the round-robin backend over the local instances (null without pool_ports)."
  value       = try(switchyard_backend.pool[0].name, null)
}

output "route_backends" {
  description = "Backend name of each path route, by route name."
  value       = { for k, b in switchyard_backend.route : k => b.name }
}

output "userlist" {
  description = "Name of the userlist (null without users)."
  value       = try(switchyard_userlist.this[0].name, null)
}

output "user_map" {
  description = "Name of the user map (null without user_backends)."
  value       = try(switchyard_map.users[0].name, null)
}

output "user_map_path" {
  description = "Path of the user map file on the machine (null without user_backends)."
  value       = try(switchyard_map.users[0].path, null)
}

output "https_url" {
  description = "HTTPS URL of the frontend (null without https_port)."
  value       = var.https_port == null ? null : "https://${var.listen_address}:${var.https_port}/"
}

output "certificates" {
  description = "The certificates on the machine by name: path, subject, DNS names, expiry."
  value = { for k, c in switchyard_certificate.this : k => {
    path      = c.path
    subject   = c.subject
    dns_names = c.dns_names
    not_after = c.not_after
  } }
}
