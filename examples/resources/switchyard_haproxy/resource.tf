# The machine's HAProxy: only the attributes set here are managed; the rest
# of global and defaults stays as it is. Destroying this resource leaves
# HAProxy running with its configuration unchanged.
resource "switchyard_haproxy" "this" {
  maxconn  = 4000
  nbthread = 2

  log_targets = [
    { address = "/dev/log", facility = "local0" },
    { address = "127.0.0.1:514", facility = "local1", level = "notice" },
  ]

  # Workers stay root so that `namespace` on servers and binds works.
  run_as_root = true

  timeout_connect = "5s"
  timeout_client  = "30s"
  timeout_server  = "30s"
  httplog         = true

  enabled = true
  running = true

  # The escape hatch, for keywords no attribute covers: whole lines the
  # resource owns at the end of global and of the defaults section, checked
  # by `haproxy -c`. A keyword that has an attribute (maxconn, timeout
  # client, ...) is refused here at plan time.
  global_extra_lines   = ["tune.ssl.default-dh-param 2048"]
  defaults_extra_lines = ["timeout http-request 10s", "option dontlognull"]
}
