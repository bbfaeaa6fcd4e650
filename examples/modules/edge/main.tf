# An edge machine: one HAProxy frontend that takes the public traffic and
# sends it, in this order, to
#   1. a path route (`acl NAME-<route> path_beg /x` + `use_backend … if …`),
#   2. the backend a user map names for the authenticated user,
#   3. the default backend (a namespaced app, or the local pool).
# With users, every request needs valid credentials (401 otherwise).

locals {
  auth       = length(var.users) > 0
  user_map   = local.auth && length(var.user_backends) > 0
  userlist   = "${var.name}-users"
  fallback   = coalesce(var.default_backend, try(switchyard_backend.pool[0].name, null))
  route_acls = { for r in var.routes : r.name => "${var.name}-${r.name}" }
}

resource "switchyard_backend" "pool" {
  count = length(var.pool_ports) > 0 ? 1 : 0

  name    = "${var.name}-pool"
  balance = "roundrobin"
  servers = [
    for i, port in var.pool_ports : {
      name    = "app${i + 1}"
      address = "127.0.0.1"
      port    = port
      check   = true
    }
  ]
}

resource "switchyard_backend" "route" {
  for_each = { for r in var.routes : r.name => r }

  name    = "${var.name}-${each.key}"
  balance = "roundrobin"
  servers = [
    for i, s in each.value.servers : {
      name    = "s${i + 1}"
      address = s.address
      port    = s.port
      check   = true
    }
  ]
}

resource "switchyard_userlist" "this" {
  count = local.auth ? 1 : 0

  name = local.userlist
  users = [
    for user, u in var.users : {
      name          = user
      password_hash = u.password_hash
      password_wo   = lookup(var.passwords_wo, user, null)
      # Not derived from passwords_wo: it is ephemeral, and the version is not.
      password_wo_version = u.password_hash == null ? var.passwords_wo_version : null
    }
  ]
}

# Keys are user names: http_auth_group(list) returns the user's name once
# the password is checked.
resource "switchyard_map" "users" {
  count = local.user_map ? 1 : 0

  name    = local.userlist
  entries = var.user_backends
}

resource "switchyard_frontend" "this" {
  name  = var.name
  binds = [{ address = var.listen_address, port = var.http_port }]

  acls = [for r in var.routes : "${local.route_acls[r.name]} path_beg ${r.path}"]

  http_request = local.auth ? [
    "auth realm ${var.realm} unless { http_auth(${switchyard_userlist.this[0].name}) }",
  ] : []

  use_backend = concat(
    [for r in var.routes : { backend = switchyard_backend.route[r.name].name, cond = "if", cond_test = local.route_acls[r.name] }],
    local.user_map ? [{
      backend = "%[http_auth_group(${switchyard_userlist.this[0].name}),map(${switchyard_map.users[0].path},${local.fallback})]"
    }] : [],
  )

  default_backend = local.fallback
}
