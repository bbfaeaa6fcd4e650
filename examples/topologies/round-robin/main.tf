# Round robin on one machine: HAProxy balances over three instances of an app
# listening on 127.0.0.1:8080, :8081 and :8082 of that machine.
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

variable "app_ports" {
  description = "Ports of the app instances on the machine's loopback."
  type        = list(number)
  default     = [8080, 8081, 8082]
}

provider "switchyard" {
  host             = var.host
  private_key_file = var.private_key_file
  host_key         = var.host_key
}

resource "switchyard_backend" "app" {
  name    = "app"
  mode    = "http"
  balance = "roundrobin"

  servers = [
    for i, port in var.app_ports : {
      name    = "app${i + 1}"
      address = "127.0.0.1"
      port    = port
      check   = true
    }
  ]
}

data "switchyard_host" "this" {}

output "haproxy_version" {
  value = data.switchyard_host.this.haproxy_version
}

output "backend" {
  value = switchyard_backend.app.name
}
