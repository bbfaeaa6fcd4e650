# Paying users go to the deluxe backend, everyone else to the standard one.
# The frontend rule uses the map's path, so Terraform creates the map first:
#
#   use_backend %[http_auth_group(customers),map(${switchyard_map.deluxe.path},standard)]
#
# Changing an entry later updates the running HAProxy without a reload.
resource "switchyard_map" "deluxe" {
  name = "deluxe"

  entries = {
    alice = "deluxe"
    bob   = "deluxe"
  }
}
