terraform {
  required_version = ">= 1.11"
  required_providers {
    switchyard = {
      source                = "switchyard/switchyard"
      configuration_aliases = [switchyard.edge, switchyard.worker]
    }
  }
}
