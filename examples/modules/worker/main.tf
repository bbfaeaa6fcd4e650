# A worker machine: its own HAProxy frontend, bound to its private address,
# routes into its own namespaced app. The edge machine knows only the
# worker's address and port; all namespace configuration stays here.

module "app" {
  # Inherits this module's switchyard provider: the worker machine.
  source = "../namespaced-app"

  name        = "${var.name}-app"
  instances   = var.instances
  port        = var.app_port
  app_command = var.app_command
  cpu_quota   = var.cpu_quota
}

resource "switchyard_frontend" "this" {
  name            = var.name
  binds           = [{ address = var.listen_address, port = var.http_port }]
  default_backend = module.app.backend
}
