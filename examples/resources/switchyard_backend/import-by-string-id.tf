import {
  to = switchyard_backend.app
  id = "app"
}
