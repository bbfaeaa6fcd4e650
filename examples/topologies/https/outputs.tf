output "url" {
  description = "Plain HTTP URL (answers with a redirect to https_url)."
  value       = module.edge.url
}

output "https_url" {
  description = "HTTPS URL of the edge."
  value       = module.edge.https_url
}

output "certificates" {
  description = "The certificates on the machine by name: path, subject, DNS names, expiry."
  value       = module.edge.certificates
}

output "frontend" {
  description = "Name of the edge's frontend."
  value       = module.edge.frontend
}
