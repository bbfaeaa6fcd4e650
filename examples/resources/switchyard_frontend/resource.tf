# Path routing with basic authentication, as one would write it in
# haproxy.cfg:
#
#   frontend www
#     bind *:80
#     acl is_app3 path_beg /app3
#     acl is_gold http_auth_group(members) gold
#     http-request auth realm Members unless { http_auth(members) }
#     use_backend app3 if is_app3
#     use_backend deluxe if is_gold
#     default_backend app
resource "switchyard_frontend" "www" {
  name       = "www"
  forwardfor = true
  httplog    = true

  binds = [{ address = "*", port = 80 }]

  acls = [
    "is_app3 path_beg /app3",
    "is_gold http_auth_group(${switchyard_userlist.members.name}) gold",
  ]

  http_request = [
    "auth realm Members unless { http_auth(${switchyard_userlist.members.name}) }",
  ]

  # After http-response rules, and also on HAProxy's own answers, such as
  # the 401 of the auth rule above.
  http_after_response = [
    "set-header X-Content-Type-Options nosniff",
  ]

  use_backend = [
    { backend = switchyard_backend.app3.name, cond = "if", cond_test = "is_app3" },
    { backend = switchyard_backend.deluxe.name, cond = "if", cond_test = "is_gold" },
  ]

  default_backend = switchyard_backend.app.name
}

# A worker machine's HAProxy, bound to its private address only.
resource "switchyard_frontend" "worker" {
  name            = "worker"
  binds           = [{ address = "10.0.1.7", port = 8100 }]
  default_backend = switchyard_backend.app.name
}
