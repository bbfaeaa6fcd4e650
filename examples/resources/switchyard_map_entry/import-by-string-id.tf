import {
  to = switchyard_map_entry.carol
  id = "deluxe/carol"
}
