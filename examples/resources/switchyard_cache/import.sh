# A cache is imported by its name, as in `cache static` in haproxy.cfg.
terraform import switchyard_cache.static static
