variable "edge" {
  description = "The edge machine (public HAProxy), as `switchyard-lab tfvars -machines edge=1` prints it."
  type = object({
    host             = string
    private_key_file = string
    host_key         = string
  })
}

variable "name" {
  description = "Prefix of every object this topology creates, so several copies can share the machines."
  type        = string
  default     = "namespaced-app"
}

variable "http_port" {
  description = "Port of the public frontend on the edge."
  type        = number
  default     = 80
}
