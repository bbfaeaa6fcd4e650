# Adopting the userlist of a hand-written haproxy.cfg whose users have
# plaintext passwords:
#
#   userlist mycredentials
#     user vip insecure-password ipaygoodmoneyforthis
#     user john insecure-password somePassword
#
# `terraform plan -generate-config-out=generated.tf` with this import block
# writes each user as `insecure_password = true` (the plaintext never leaves
# the machine) and plans an import with no change; every plan warns
# "Insecure Password On Machine" until the users are converted.
import {
  to = switchyard_userlist.mycredentials
  id = "mycredentials"
}

variable "vip_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

# After the conversion: the next apply rewrites both lines as
# `user <name> password <hash>`; the same passwords keep working.
resource "switchyard_userlist" "mycredentials" {
  name = "mycredentials"
  users = [
    # Was `insecure_password = true`: now hashed in the provider.
    { name = "vip", password_wo = var.vip_password, password_wo_version = 1 },
    # Was `insecure_password = true`: now the hash of the same password.
    { name = "john", password_hash = "$6$k1XvT3dL$Xq9n2mXq5nM3I0o2xKq0x0Zg7lq8cS6H0m3K1r8m8V1dYw0uW1pQ8y0Y0H3o2vS1a9o8Jm6yX3p4d1s0q2e1F." },
  ]
}
