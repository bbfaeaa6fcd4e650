# Routing by identity on one machine: HAProxy asks for HTTP basic
# credentials, and a map sends each user to a backend by name. Users with no
# entry in the map go to the standard backend. Moving a user to another
# backend changes only the map, which HAProxy takes at runtime, without a
# reload.
terraform {
  required_version = ">= 1.11"
  required_providers {
    switchyard = {
      source = "switchyard/switchyard"
    }
  }
}

variable "host" {
  description = "Address of the machine to manage."
  type        = string
}

variable "private_key_file" {
  description = "SSH private key for root on that machine."
  type        = string
}

variable "host_key" {
  description = "The machine's SSH host key (authorized_keys format), pinned."
  type        = string
}

variable "port" {
  description = "Port the frontend listens on, on the machine's address."
  type        = number
  default     = 8180
}

variable "vip_password" {
  description = "Password of user vip; written to the machine hashed, never kept in the state."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "vip_password_version" {
  description = "Change this number to set a new vip_password."
  type        = number
  default     = 1
}

variable "john_password_hash" {
  description = "crypt(3) hash of user john's password (for example from `mkpasswd -m sha-512`)."
  type        = string
}

provider "switchyard" {
  host             = var.host
  private_key_file = var.private_key_file
  host_key         = var.host_key
}

resource "switchyard_backend" "deluxe" {
  name    = "deluxe"
  servers = [{ name = "app", address = "127.0.0.1", port = 8081 }]
}

resource "switchyard_backend" "standard" {
  name    = "standard"
  servers = [{ name = "app", address = "127.0.0.1", port = 8080 }]
}

resource "switchyard_userlist" "members" {
  name = "members"
  users = [
    { name = "vip", password_wo = var.vip_password, password_wo_version = var.vip_password_version },
    { name = "john", password_hash = var.john_password_hash },
  ]
}

# Keys are user names: http_auth_group returns the user's name when the
# password is valid.
resource "switchyard_map" "deluxe" {
  name = "deluxe"
  entries = {
    vip = switchyard_backend.deluxe.name
  }
}

resource "switchyard_frontend" "web" {
  name  = "members"
  binds = [{ address = var.host, port = var.port }]
  http_request = [
    "auth realm switchyard unless { http_auth(${switchyard_userlist.members.name}) }",
  ]
  use_backend = [{
    backend = "%[http_auth_group(${switchyard_userlist.members.name}),map(${switchyard_map.deluxe.path},${switchyard_backend.standard.name})]"
  }]
  default_backend = switchyard_backend.standard.name
}

output "url" {
  value = "http://${var.host}:${var.port}/"
}
