# Round robin over three instances of an application on the machine itself,
# health-checked with GET /health every 2 seconds.
resource "switchyard_backend" "app" {
  name    = "app"
  mode    = "http"
  balance = "roundrobin"

  http_check = { method = "GET", uri = "/health" }
  http_request = [
    "set-header X-Forwarded-Proto http",
  ]

  servers = [
    for i, port in [8080, 8081, 8082] : {
      name    = "app${i + 1}"
      address = "127.0.0.1"
      port    = port
      check   = true
      inter   = "2s"
      maxconn = 100
    }
  ]
}

# An application that runs in its own network namespace, with a standby
# server that only takes traffic when the others are down.
resource "switchyard_backend" "shop" {
  name    = "shop"
  balance = "leastconn"

  servers = [
    { name = "shop1", address = "127.0.0.1", port = 8080, namespace = "shop", weight = 100 },
    { name = "standby", address = "10.0.1.7", port = 8080, backup = true },
  ]
}
