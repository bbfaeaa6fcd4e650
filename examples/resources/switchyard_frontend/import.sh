# A frontend is imported by its name in haproxy.cfg.
terraform import switchyard_frontend.www www
