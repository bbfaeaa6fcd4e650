# One user in a map that other tools also fill; the rest of the file is
# left alone. Takes effect at once, without a reload.
resource "switchyard_map_entry" "carol" {
  map   = "deluxe"
  key   = "carol"
  value = "deluxe"
}
