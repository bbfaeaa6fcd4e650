# A network namespace for one application. It is recreated at boot by
# switchyard-netns@app.service, and HAProxy starts after it.
resource "switchyard_namespace" "app" {
  name = "app"
}

# The application runs inside the namespace, sandboxed, as a dynamic user:
# it cannot reach the network and nothing but HAProxy can reach it.
resource "switchyard_service" "app" {
  name           = "app"
  exec_start     = ["/usr/bin/python3", "-m", "http.server", "8000", "--bind", "127.0.0.1", "--directory", "/var/www/app"]
  namespace      = switchyard_namespace.app.name
  readiness_port = 8000
}

# HAProxy connects into the namespace. Referencing the namespace's name makes
# Terraform create it before the backend: `haproxy -c` rejects a `namespace`
# server whose namespace does not exist yet.
resource "switchyard_backend" "app" {
  name = "app"
  servers = [
    { name = "app1", address = "127.0.0.1", port = 8000, namespace = switchyard_namespace.app.name },
  ]
  depends_on = [switchyard_service.app]
}
