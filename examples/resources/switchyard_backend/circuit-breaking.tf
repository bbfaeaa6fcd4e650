# Circuit breaking and retries over three instances of an API: a server
# whose answers turn into errors is taken out after 5 in a row (observe
# layer7, on-error mark-down) and comes back once 3 health checks pass; a
# request that got a 502/503/504 or no answer is retried, on another server
# (redispatch). Only retry requests the application can safely replay.
resource "switchyard_backend" "api" {
  name    = "api"
  balance = "roundrobin"

  retries         = 2
  retry_on        = ["conn-failure", "empty-response", "502", "503", "504"]
  redispatch      = true
  timeout_connect = "2s"
  timeout_server  = "15s"
  timeout_queue   = "5s"

  http_check = { uri = "/health" }

  servers = [
    for i, port in [8080, 8081, 8082] : {
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

# A TCP service (a database) in a namespace of its own: in tcp mode,
# observe counts failed connections (layer4); retries alone retries a
# connection that failed, and retry_on is refused.
resource "switchyard_backend" "db" {
  name            = "db"
  mode            = "tcp"
  balance         = "leastconn"
  retries         = 3
  timeout_connect = "1s"

  servers = [
    { name = "db1", address = "127.0.0.1", port = 5432, namespace = "db", check = true, observe = "layer4", error_limit = 3, on_error = "sudden-death" },
  ]
}
