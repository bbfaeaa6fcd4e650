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

provider "switchyard" {
  alias            = "worker"
  host             = var.worker.host
  private_key_file = var.worker.private_key_file
  host_key         = var.worker.host_key
}
