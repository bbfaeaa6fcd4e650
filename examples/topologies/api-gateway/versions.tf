terraform {
  required_version = ">= 1.11"
  required_providers {
    switchyard = {
      source = "switchyard/switchyard"
    }
  }
}

provider "switchyard" {
  alias            = "edge"
  host             = var.edge.host
  private_key_file = var.edge.private_key_file
  host_key         = var.edge.host_key
}
