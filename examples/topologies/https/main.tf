# One machine: the edge of the complete topology terminating TLS in front
# of its local pool of apps. HTTPS on https_port with the certificates given
# as PEM files (SNI picks among several), plain HTTP on http_port redirected
# to HTTPS with a 301, and HSTS on every HTTPS answer.
#
# A small copy of ../complete's edge rather than the whole of it: the TLS
# part is the same edge module's, and this stays a one-machine example that
# runs next to the complete demo.

locals {
  # Read here, not in the module: the files stay the input, and the keys
  # go on to a write-only argument only (never into the state).
  certificates = { for name, c in var.certificates : name => file(c.certificate_file) }
  private_keys = { for name, c in var.certificates : name => file(c.private_key_file) }
}

module "edge" {
  source    = "../../modules/edge"
  providers = { switchyard = switchyard.edge }

  name           = var.name
  listen_address = var.edge.host
  http_port      = var.http_port
  pool_ports     = var.pool_ports

  https_port              = var.https_port
  certificates            = local.certificates
  private_keys_wo         = local.private_keys
  private_keys_wo_version = var.certificates_version
  hsts_max_age            = var.hsts_max_age
}
