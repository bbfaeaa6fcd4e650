# There is one HAProxy per machine (per provider block); its import id is always "haproxy".
terraform import switchyard_haproxy.this haproxy
