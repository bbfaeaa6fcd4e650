# Staging: the smallest size that still has every part: one pool instance, one worker instance, a deluxe instance with half a CPU.
# The code is the module `site`, shared by every environment; only the
# values below differ.
terraform {
  required_version = ">= 1.11"
  required_providers {
    switchyard = {
      source = "switchyard/switchyard"
    }
  }
}

provider "switchyard" {
  alias            = "edge"
  host             = var.edge.host
  private_key_file = var.edge.private_key_file
  host_key         = var.edge.host_key
}

provider "switchyard" {
  alias            = "worker"
  host             = var.worker.host
  private_key_file = var.worker.private_key_file
  host_key         = var.worker.host_key
}

module "site" {
  source    = "../../../modules/site"
  providers = { switchyard.edge = switchyard.edge, switchyard.worker = switchyard.worker }

  name                 = var.name
  edge_address         = var.edge.host
  worker_address       = var.worker.host
  http_port            = var.http_port
  pool_ports           = [8080]
  worker_instances     = 1
  deluxe_cpu_quota     = "50%"
  users                = var.users
  passwords_wo         = var.passwords_wo
  passwords_wo_version = var.passwords_wo_version
  deluxe_users         = var.deluxe_users
}

output "url" {
  description = "The edge's public URL."
  value       = module.site.url
}

output "remote_url" {
  description = "URL answered by the worker's namespaced app."
  value       = module.site.remote_url
}

output "deluxe_services" {
  description = "Systemd services of the deluxe instance on the edge."
  value       = module.site.deluxe_services
}

output "worker_services" {
  description = "Systemd services of the worker's app."
  value       = module.site.worker_services
}
