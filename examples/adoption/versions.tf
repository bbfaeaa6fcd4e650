terraform {
  required_version = ">= 1.11"
  required_providers {
    switchyard = {
      source = "switchyard/switchyard"
    }
  }
}

