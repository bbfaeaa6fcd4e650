# A configuration with a local module and no provider to install: enough to
# prove that tfrun copies the tree, installs modules and reads exit codes.
variable "value" {
  type = string
}

module "m" {
  source = "../mod"
  value  = var.value
}

output "value" {
  value = module.m.value
}
