output "url" {
  description = "The edge's public URL."
  value       = module.edge.url
}

output "remote_url" {
  description = "URL answered by the worker's namespaced app, through both HAProxies."
  value       = "${module.edge.url}remote"
}

output "worker_url" {
  description = "The worker's own frontend (private address)."
  value       = "http://${module.worker.address}:${module.worker.port}/"
}

output "user_map" {
  description = "Name of the user map on the edge."
  value       = module.edge.user_map
}

output "user_map_path" {
  description = "Path of the user map file on the edge."
  value       = module.edge.user_map_path
}

output "userlist" {
  description = "Name of the userlist on the edge."
  value       = module.edge.userlist
}

output "edge_frontend" {
  description = "Name of the edge's frontend."
  value       = module.edge.frontend
}

output "pool_backend" {
  description = "Name of the edge's round-robin backend over the local instances."
  value       = module.edge.pool_backend
}

output "deluxe_backend" {
  description = "Name of the deluxe backend on the edge (the user map's value for deluxe users)."
  value       = module.deluxe.backend
}

output "deluxe_namespace" {
  description = "Network namespace of the deluxe instance on the edge."
  value       = module.deluxe.namespace
}

output "deluxe_services" {
  description = "Systemd services of the deluxe instance on the edge."
  value       = module.deluxe.services
}

output "worker_frontend" {
  description = "Name of the worker's frontend."
  value       = module.worker.frontend
}

output "worker_namespace" {
  description = "Network namespace of the worker's app."
  value       = module.worker.namespace
}

output "worker_services" {
  description = "Systemd services of the worker's app."
  value       = module.worker.services
}
