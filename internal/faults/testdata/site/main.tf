# The fault suite's configuration: a witness (a frontend and its backend,
# applied before the fault, that the request loop keeps hitting) plus what
# the fault is made to interrupt or reject: a bulk of backends, a backend
# whose server HAProxy cannot resolve, a frontend on a port another process
# holds. Every name starts with var.prefix, unique per test.
terraform {
  required_providers {
    switchyard = { source = "switchyard/switchyard" }
  }
}

variable "host" { type = string }
variable "private_key_file" { type = string }
variable "host_key" { type = string }

variable "prefix" { type = string }

# The witness frontend's port, on all addresses of the machine.
variable "port" { type = number }

variable "backends" {
  type    = number
  default = 0
}

# A server address for backend "<prefix>-bad"; "" for no such backend.
variable "bad_address" {
  type    = string
  default = ""
}

# A port for frontend "<prefix>-taken"; 0 for no such frontend.
variable "taken_port" {
  type    = number
  default = 0
}

provider "switchyard" {
  host             = var.host
  private_key_file = var.private_key_file
  host_key         = var.host_key
}

locals {
  servers = [
    for i, port in [8080, 8081, 8082] : { name = "app${i + 1}", address = "127.0.0.1", port = port }
  ]
}

resource "switchyard_backend" "web" {
  name    = "${var.prefix}-web"
  servers = local.servers
}

resource "switchyard_frontend" "web" {
  name            = "${var.prefix}-web"
  binds           = [{ address = "*", port = var.port }]
  default_backend = switchyard_backend.web.name
}

resource "switchyard_backend" "bulk" {
  count   = var.backends
  name    = format("%s-b%04d", var.prefix, count.index)
  servers = local.servers
}

resource "switchyard_backend" "bad" {
  count   = var.bad_address == "" ? 0 : 1
  name    = "${var.prefix}-bad"
  servers = [{ name = "app1", address = var.bad_address, port = 8080 }]
}

resource "switchyard_frontend" "taken" {
  count           = var.taken_port == 0 ? 0 : 1
  name            = "${var.prefix}-taken"
  binds           = [{ address = "*", port = var.taken_port }]
  default_backend = switchyard_backend.web.name
}
