# Blue-green deployment of one namespaced app: two colours, each in a network
# namespace of its own with its own services, and ONE backend that holds both
# colours' servers. The live colour's servers are ready; the idle colour's are
# drained: they take no new connections, their health checks go on (so the
# idle colour's health is visible before the switch), and requests in flight
# on them finish. Switching `live` changes only admin states, which HAProxy
# takes through its runtime API: no reload.

locals {
  colours = ["blue", "green"]
  idle    = var.live == "blue" ? "green" : "blue"
  ports   = [for i in range(var.instances) : var.port + i]

  versions = { blue = var.blue_version, green = var.green_version }
  commands = {
    blue  = coalesce(var.blue_app_command, var.app_command)
    green = coalesce(var.green_app_command, var.app_command)
  }

  # One entry per service: colour × instance.
  instances = merge([
    for c in local.colours : {
      for i, port in local.ports : "${c}-${i + 1}" => { colour = c, port = port }
    }
  ]...)

  # Interleaved (blue-1, green-1, blue-2, green-2, …), and always in this
  # order: a new order would rewrite the server lines, which is a reload.
  # (The agent readies the new colour before it drains the old one, so no
  # moment of a switch has every server drained; see README.md.)
  server_order = flatten([for i in range(var.instances) : [for c in local.colours : "${c}-${i + 1}"]])
}

resource "switchyard_namespace" "colour" {
  for_each = toset(local.colours)

  name = "${var.name}-${each.key}"
}

resource "switchyard_service" "app" {
  for_each = local.instances

  name        = "${var.name}-${each.key}"
  description = "${var.name} ${each.value.colour} ${local.versions[each.value.colour]} (instance ${each.key})"
  exec_start = [
    for arg in local.commands[each.value.colour] :
    replace(replace(replace(replace(arg,
      "{port}", tostring(each.value.port)),
      "{address}", "127.0.0.1"),
      "{version}", local.versions[each.value.colour]),
    "{colour}", each.value.colour)
  ]
  namespace      = switchyard_namespace.colour[each.value.colour].name
  cpu_quota      = var.cpu_quota
  memory_max     = var.memory_max
  readiness_port = each.value.port
}

resource "switchyard_backend" "this" {
  name    = var.name
  balance = "roundrobin"
  servers = [
    for key in local.server_order : {
      name        = key
      address     = "127.0.0.1"
      port        = local.instances[key].port
      namespace   = switchyard_namespace.colour[local.instances[key].colour].name
      check       = true
      inter       = var.check_interval
      admin_state = local.instances[key].colour == var.live ? "ready" : "drain"
    }
  ]
  # A new version of a colour is running and answering (readiness_port)
  # before the backend changes in the same apply.
  depends_on = [switchyard_service.app]
}

# Canary by user: a backend per colour, every server ready, for a user map
# to send chosen users to one colour whichever is live.
resource "switchyard_backend" "colour" {
  for_each = var.colour_backends ? toset(local.colours) : toset([])

  name    = "${var.name}-${each.key}"
  balance = "roundrobin"
  servers = [
    for i, port in local.ports : {
      name      = "${each.key}-${i + 1}"
      address   = "127.0.0.1"
      port      = port
      namespace = switchyard_namespace.colour[each.key].name
      check     = true
      inter     = var.check_interval
    }
  ]
  depends_on = [switchyard_service.app]
}
