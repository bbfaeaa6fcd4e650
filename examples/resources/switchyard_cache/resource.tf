# 64 MB of responses, each at most 1 MB, served for at most 5 minutes.
resource "switchyard_cache" "static" {
  name            = "static"
  total_max_size  = 64
  max_object_size = 1048576
  max_age         = 300

  # The cache keywords without an attribute of their own; a cache accepts
  # nothing else, so other lines are refused at plan time.
  extra_lines = ["process-vary on", "max-secondary-entries 10"]
}

# The backend serves from the cache with an http-request rule. Storing takes
# the http-response rule `cache-store static` in the same backend.
resource "switchyard_backend" "assets" {
  name = "assets"
  servers = [
    { name = "app1", address = "127.0.0.1", port = 8080 },
  ]
  http_request = ["cache-use ${switchyard_cache.static.name}"]
}
