# One provider block is one machine. The host key is pinned, so a machine
# that presents another key is refused before anything is sent to it.
provider "switchyard" {
  host             = "10.0.0.5"
  private_key_file = "~/.ssh/id_ed25519"
  host_key         = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDd9JbYkpfl7uEMDJxqkuKinIO47MGXiJHMfIGEsH/M9"
}

# A second machine, reached through a jump host as a non-root user with
# passwordless sudo, checked against a known_hosts file. The bastion uses the
# same user and key unless it is given its own.
provider "switchyard" {
  alias            = "worker"
  host             = "192.168.10.21"
  user             = "deploy"
  sudo             = true
  agent            = true
  known_hosts_file = "~/.ssh/known_hosts"
  timeout          = "1m"

  bastion = {
    host = "bastion.example.com"
  }

  # Only needed when HAProxy is not where Debian's package puts it.
  haproxy = {
    config_file = "/usr/local/etc/haproxy/haproxy.cfg"
    service     = "haproxy"
  }
}
