# An API gateway on one machine: every request needs basic credentials; each
# user may send rate_limit requests per period (429 beyond); /static/ is
# answered from HAProxy's cache; the API's instances are taken out of the
# pool when their answers turn into errors, and a failed request is retried
# on another instance.

locals {
  userlist = "${var.name}-users"
  # The user's name once the password is checked (nothing otherwise), so it
  # is the rate limit's key: a wrong password is never counted for the user.
  user = "http_auth_group(${local.userlist})"
}

resource "switchyard_userlist" "this" {
  provider = switchyard.edge

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

# Circuit breaking: observe layer7 counts each server's error answers (5xx,
# timeouts, garbage); after error_limit in a row on_error mark-down takes it
# out at once, and it is back after rise passing health checks. A request
# that got no answer or a 502/503/504 is retried (retries), on another
# server (redispatch). GETs of this API are safe to replay; an API with
# unsafe methods should retry only conn-failure.
resource "switchyard_backend" "api" {
  provider = switchyard.edge

  name    = "${var.name}-api"
  balance = "roundrobin"

  retries         = 2
  retry_on        = ["conn-failure", "empty-response", "response-timeout", "502", "503", "504"]
  redispatch      = true
  timeout_connect = "2s"
  timeout_server  = "10s"
  timeout_queue   = "5s"

  http_check = { uri = "/health" }

  servers = [
    for i, port in var.app_ports : {
      name        = "api${i + 1}"
      address     = "127.0.0.1"
      port        = port
      check       = true
      inter       = "2s"
      maxconn     = 100
      observe     = "layer7"
      error_limit = 5
      on_error    = "mark-down"
      rise        = 3
      fall        = 2
    }
  ]
}

resource "switchyard_cache" "static" {
  provider = switchyard.edge

  name           = "${var.name}-static"
  total_max_size = 16
  max_age        = var.static_max_age
}

# /static/ through the cache. HAProxy stores nothing for a request that
# carries Authorization, and every request here does; the frontend has
# checked it already and the instances need no credentials, so it is removed
# before the cache is asked. The app sends no lifetime, without which
# HAProxy stores nothing either: the response gets one before cache-store.
resource "switchyard_backend" "static" {
  provider = switchyard.edge

  name    = "${var.name}-static"
  balance = "roundrobin"

  http_request = [
    "del-header Authorization",
    "cache-use ${switchyard_cache.static.name}",
  ]
  http_response = [
    "set-header Cache-Control max-age=${var.static_max_age}",
    "cache-store ${switchyard_cache.static.name}",
  ]

  servers = [
    for i, port in var.app_ports : {
      name    = "static${i + 1}"
      address = "127.0.0.1"
      port    = port
      check   = true
    }
  ]
}

resource "switchyard_frontend" "this" {
  provider = switchyard.edge

  name  = var.name
  binds = [{ address = var.edge.host, port = var.http_port }]

  # One entry per user name; the rate is over the period, and an entry
  # outlives it so a user who pauses briefly keeps the count.
  stick_table = {
    type       = "string"
    key_length = 64
    size       = "10k"
    expire     = "${2 * var.rate_period_seconds}s"
    store      = ["http_req_rate(${var.rate_period_seconds}s)"]
  }

  # In this order: no counting before the password is checked, and the
  # count includes the request being judged.
  http_request = [
    "auth realm ${var.name} unless { http_auth(${switchyard_userlist.this.name}) }",
    "track-sc0 ${local.user}",
    "deny deny_status 429 if { sc_http_req_rate(0) gt ${var.rate_limit} }",
  ]

  use_backend = [
    { backend = switchyard_backend.static.name, cond = "if", cond_test = "{ path_beg /static/ }" },
  ]
  default_backend = switchyard_backend.api.name
}

output "url" {
  description = "URL of the gateway."
  value       = "http://${var.edge.host}:${var.http_port}/"
}

output "api_backend" {
  description = "Backend of the API's instances (circuit breaking and retries)."
  value       = switchyard_backend.api.name
}

output "static_backend" {
  description = "Backend of /static/, answered through the cache."
  value       = switchyard_backend.static.name
}

output "cache" {
  description = "Name of the cache section."
  value       = switchyard_cache.static.name
}

output "userlist" {
  description = "Name of the userlist."
  value       = switchyard_userlist.this.name
}
