# An edge machine: one HAProxy frontend that takes the public traffic and
# sends it, in this order, to
#   1. a path route (`acl NAME-<route> path_beg /x` + `use_backend … if …`),
#   2. the backend a user map names for the authenticated user,
#   3. the default backend (a namespaced app, or the local pool).
# With users, every request needs valid credentials (401 otherwise).
# With https_port, the frontend also terminates TLS there with the given
# certificates, plain HTTP is redirected to HTTPS (301) and HTTPS answers
# carry HSTS.

locals {
  auth       = length(var.users) > 0
  user_map   = local.auth && length(var.user_backends) > 0
  userlist   = "${var.name}-users"
  fallback   = coalesce(var.default_backend, try(switchyard_backend.pool[0].name, null))
  route_acls = { for r in var.routes : r.name => "${var.name}-${r.name}" }

  tls = var.https_port != null
  # One certificate: its file. Several: HAProxy's certificates directory,
  # which loads every certificate on the machine and picks one by SNI.
  ssl_certificate = length(var.certificates) == 1 ? one(values(switchyard_certificate.this)[*].path) : "/etc/haproxy/certs"
  # `redirect scheme https` keeps the Host header's port, right only when
  # HTTPS is on 443; otherwise the port is replaced.
  redirect = var.https_port == 443 ? "redirect scheme https code 301 unless { ssl_fc }" : (
    "redirect prefix https://%[req.hdr(host),field(1,:)]:${coalesce(var.https_port, 443)} code 301 unless { ssl_fc }"
  )
}

resource "switchyard_certificate" "this" {
  for_each = var.certificates

  name                   = "${var.name}-${each.key}"
  certificate_pem        = each.value
  private_key_pem_wo     = var.private_keys_wo[each.key]
  private_key_wo_version = var.private_keys_wo_version
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
  name = var.name
  binds = concat(
    [{ address = var.listen_address, port = var.http_port, ssl_certificate = null, alpn = null }],
    local.tls ? [{ address = var.listen_address, port = var.https_port, ssl_certificate = local.ssl_certificate, alpn = "h2,http/1.1" }] : [],
  )
  # The certificates directory names no certificate resource.
  depends_on = [switchyard_certificate.this]

  acls = [for r in var.routes : "${local.route_acls[r.name]} path_beg ${r.path}"]

  # The redirect goes first: plain HTTP is sent to HTTPS before it is
  # asked for a password.
  http_request = concat(
    local.tls ? [local.redirect] : [],
    local.auth ? ["auth realm ${var.realm} unless { http_auth(${switchyard_userlist.this[0].name}) }"] : [],
  )
  # Browsers ignore HSTS over plain HTTP (RFC 6797), so only HTTPS sets it.
  http_response = local.tls && var.hsts_max_age > 0 ? [
    "set-header Strict-Transport-Security \"max-age=${var.hsts_max_age}\" if { ssl_fc }",
  ] : []

  use_backend = concat(
    [for r in var.routes : { backend = switchyard_backend.route[r.name].name, cond = "if", cond_test = local.route_acls[r.name] }],
    local.user_map ? [{
      backend = "%[http_auth_group(${switchyard_userlist.this[0].name}),map(${switchyard_map.users[0].path},${local.fallback})]"
    }] : [],
  )

  default_backend = local.fallback
}
