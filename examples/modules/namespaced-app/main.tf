# An application in a network namespace of its own: nothing can reach it and
# it can reach nothing, except HAProxy, which connects into the namespace
# (`server … namespace NAME`). Each instance is a sandboxed systemd service
# with a dynamic user.

locals {
  ports = [for i in range(var.instances) : var.port + i]
}

resource "switchyard_namespace" "this" {
  name = var.name
}

resource "switchyard_service" "app" {
  count = var.instances

  name        = "${var.name}-${count.index + 1}"
  description = "${var.name} instance ${count.index + 1}"
  exec_start = [
    for arg in var.app_command :
    replace(replace(arg, "{port}", tostring(local.ports[count.index])), "{address}", "127.0.0.1")
  ]
  namespace      = switchyard_namespace.this.name
  cpu_quota      = var.cpu_quota
  cpu_weight     = var.cpu_weight
  io_weight      = var.io_weight
  memory_max     = var.memory_max
  readiness_port = local.ports[count.index]
}

resource "switchyard_backend" "this" {
  name    = var.name
  balance = "roundrobin"
  servers = [
    for i, port in local.ports : {
      name      = "app${i + 1}"
      address   = "127.0.0.1"
      port      = port
      namespace = switchyard_namespace.this.name
      check     = true
    }
  ]
  # HAProxy takes traffic to the instances only once they answer.
  depends_on = [switchyard_service.app]
}
