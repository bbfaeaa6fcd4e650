variable "edge" {
  description = "The machine (public HAProxy and the apps), as `switchyard-lab tfvars -machines edge=1` prints it."
  type = object({
    host             = string
    private_key_file = string
    host_key         = string
  })
}

variable "name" {
  description = "Prefix of every object this topology creates (frontend NAME, backend NAME-pool, certificates NAME-<name>), so several copies can share the machine."
  type        = string
  default     = "https"
}

variable "http_port" {
  description = "Port of the plain HTTP bind, which redirects to HTTPS."
  type        = number
  default     = 80
}

variable "https_port" {
  description = "Port of the HTTPS bind."
  type        = number
  default     = 443
}

variable "pool_ports" {
  description = "Ports of the app instances on the machine's loopback, balanced round robin."
  type        = list(number)
  default     = [8080, 8081, 8082]
}

variable "certificates" {
  description = "Certificates by name: PEM files on the machine running Terraform, the chain (leaf first) and its private key. With several, HAProxy picks one by the client's SNI name."
  type = map(object({
    certificate_file = string
    private_key_file = string
  }))
  validation {
    condition     = length(var.certificates) > 0
    error_message = "HTTPS needs at least one certificate."
  }
}

variable "certificates_version" {
  description = "Change this number after replacing a private key file, so the new key is written (the keys are write-only, Terraform cannot see them change)."
  type        = number
  default     = 1
}

variable "hsts_max_age" {
  description = "max-age of the Strict-Transport-Security header, in seconds; 0 for none."
  type        = number
  default     = 31536000
}
