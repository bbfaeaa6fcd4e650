output "url" {
  description = "The edge's public URL."
  value       = module.edge.url
}

output "remote_url" {
  description = "URL answered by the worker's namespaced app."
  value       = "${module.edge.url}remote"
}

output "user_map" {
  description = "Name of the user map on the edge."
  value       = module.edge.user_map
}

output "deluxe_services" {
  description = "Systemd services of the deluxe instance on the edge."
  value       = module.deluxe.services
}

output "worker_services" {
  description = "Systemd services of the worker's app."
  value       = module.worker.services
}
