import {
  to = switchyard_map.deluxe
  id = "deluxe"
}
