# A map entry is imported as <map>/<key>.
terraform import switchyard_map_entry.carol deluxe/carol
