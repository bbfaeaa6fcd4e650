data "switchyard_host" "this" {}

output "haproxy_version" {
  value = data.switchyard_host.this.haproxy_version
}
