# A backend is imported by its name in haproxy.cfg.
terraform import switchyard_backend.app app
