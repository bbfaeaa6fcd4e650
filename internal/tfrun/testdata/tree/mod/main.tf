variable "value" {
  type = string
}

resource "terraform_data" "this" {
  input = var.value
}

output "value" {
  value = terraform_data.this.output
}
