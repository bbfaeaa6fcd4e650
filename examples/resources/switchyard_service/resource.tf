resource "switchyard_namespace" "app" {
  name = "app"
}

# Two instances of one application; the "deluxe" one gets more CPU and IO.
resource "switchyard_service" "app" {
  name           = "app"
  description    = "Slow application, standard instance"
  exec_start     = ["/usr/local/bin/slow-app", "--listen", "127.0.0.1:8080"]
  namespace      = switchyard_namespace.app.name
  environment    = { APP_MODE = "standard" }
  cpu_quota      = "50%"
  io_weight      = 100
  readiness_port = 8080
}

resource "switchyard_service" "app_deluxe" {
  name            = "app-deluxe"
  description     = "Slow application, deluxe instance"
  exec_start      = ["/usr/local/bin/slow-app", "--listen", "127.0.0.1:8081"]
  namespace       = switchyard_namespace.app.name
  environment     = { APP_MODE = "deluxe" }
  state_directory = "app-deluxe" # writable /var/lib/app-deluxe despite the sandbox
  cpu_quota       = "150%"
  cpu_weight      = 400
  io_weight       = 800
  memory_max      = "1G"
  tasks_max       = 256
  restart         = "always"
  readiness_port  = 8081
}
