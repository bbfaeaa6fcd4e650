variable "vip_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

# Users for `http-request auth unless { http_auth(members) }`.
resource "switchyard_userlist" "members" {
  name   = "members"
  groups = ["gold"]

  users = [
    # Write-only: hashed with SHA-512 crypt in the provider, never stored.
    # Bump password_wo_version to set a new password.
    { name = "vip", groups = ["gold"], password_wo = var.vip_password, password_wo_version = 1 },
    # An existing crypt(3) hash, as `mkpasswd -m sha-512` prints it.
    { name = "john", password_hash = "$6$k1XvT3dL$Xq9n2mXq5nM3I0o2xKq0x0Zg7lq8cS6H0m3K1r8m8V1dYw0uW1pQ8y0Y0H3o2vS1a9o8Jm6yX3p4d1s0q2e1F." },
  ]
}
