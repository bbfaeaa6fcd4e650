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

# TLS passed through to a server that terminates it: wait up to 5 seconds
# for the client's first bytes and refuse a connection that does not start
# with a TLS ClientHello; drop a server answer that is not a ServerHello.
resource "switchyard_backend" "tls_passthrough" {
  name = "tls_passthrough"
  mode = "tcp"

  tcp_request  = ["inspect-delay 5s", "content reject unless { req.ssl_hello_type 1 }"]
  tcp_response = ["inspect-delay 5s", "content reject unless { res.ssl_hello_type 2 }"]

  servers = [{ name = "tls1", address = "127.0.0.1", port = 8443 }]
}
