# Routing by identity on one machine: basic auth, and a map that sends some
# users to a deluxe instance of the app (more CPU quota); everyone else goes
# to the standard instance. Both run in namespaces of their own.

variable "users" {
  description = "Users of basic authentication: name => { password_hash } (crypt(3), e.g. `openssl passwd -6`). A user whose password is in passwords_wo leaves password_hash out."
  type = map(object({
    password_hash = optional(string)
  }))
}

variable "passwords_wo" {
  description = "Clear-text passwords by user name: written to the machine hashed, never kept in the state."
  type        = map(string)
  default     = {}
  sensitive   = true
  ephemeral   = true
}

variable "passwords_wo_version" {
  description = "Change this number to write passwords_wo again."
  type        = number
  default     = 1
}

variable "deluxe_users" {
  description = "Users sent to the deluxe instance, one map entry each."
  type        = list(string)
  default     = ["vip"]
}

module "standard" {
  source    = "../../modules/namespaced-app"
  providers = { switchyard = switchyard.edge }

  name      = "${var.name}-standard"
  cpu_quota = "50%"
}

module "deluxe" {
  source    = "../../modules/namespaced-app"
  providers = { switchyard = switchyard.edge }

  name       = "${var.name}-deluxe"
  port       = 8100 # only to tell the instances apart in responses
  cpu_quota  = "200%"
  cpu_weight = 400
}

module "edge" {
  source    = "../../modules/edge"
  providers = { switchyard = switchyard.edge }

  name                 = var.name
  listen_address       = var.edge.host
  http_port            = var.http_port
  pool_ports           = []
  default_backend      = module.standard.backend
  users                = var.users
  passwords_wo         = var.passwords_wo
  passwords_wo_version = var.passwords_wo_version
  user_backends        = { for user in var.deluxe_users : user => module.deluxe.backend }
}

output "url" {
  description = "URL of the frontend."
  value       = module.edge.url
}

output "user_map" {
  description = "Name of the user map."
  value       = module.edge.user_map
}

output "standard_namespace" {
  description = "Network namespace of the standard instance."
  value       = module.standard.namespace
}

output "deluxe_namespace" {
  description = "Network namespace of the deluxe instance."
  value       = module.deluxe.namespace
}
