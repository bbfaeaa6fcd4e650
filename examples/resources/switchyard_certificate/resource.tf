variable "site_key_pem" {
  type      = string
  sensitive = true
  ephemeral = true
}

# The chain (leaf first) and its key, written to /etc/haproxy/certs/site.pem,
# root only (0600). The key is write-only: it is never stored in the state.
# A new certificate_pem (a renewal) goes live without a reload; bump
# private_key_wo_version to push a new key with an unchanged certificate.
resource "switchyard_certificate" "site" {
  name                   = "site"
  certificate_pem        = file("${path.module}/site-chain.pem")
  private_key_pem_wo     = var.site_key_pem
  private_key_wo_version = 1
  expiry_warning_days    = 30
}

# A bind serving it: the path makes the frontend depend on the certificate.
resource "switchyard_frontend" "https" {
  name            = "https"
  binds           = [{ address = "0.0.0.0", port = 443, ssl_certificate = switchyard_certificate.site.path }]
  default_backend = "app"
}
