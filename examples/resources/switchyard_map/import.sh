# A map is imported by its file name in the maps directory, without `.map`
# (here /etc/haproxy/maps/deluxe.map).
terraform import switchyard_map.deluxe deluxe
