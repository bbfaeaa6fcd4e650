variable "edge" {
  description = "The machine (public HAProxy and both colours), as `switchyard-lab tfvars -machines edge=1` prints it."
  type = object({
    host             = string
    private_key_file = string
    host_key         = string
  })
}

variable "name" {
  description = "Prefix of every object this topology creates, so several copies can share the machine."
  type        = string
  default     = "bluegreen"
}

variable "http_port" {
  description = "Port of the public frontend."
  type        = number
  default     = 80
}

variable "live" {
  description = "The colour that takes the traffic: \"blue\" or \"green\". Changing it is the switch (no reload)."
  type        = string
  default     = "blue"
}

variable "blue_version" {
  description = "Version the blue colour runs. Change it only while blue is idle."
  type        = string
  default     = "v1"
}

variable "green_version" {
  description = "Version the green colour runs. Change it only while green is idle."
  type        = string
  default     = "v1"
}

variable "instances" {
  description = "Instances per colour."
  type        = number
  default     = 2
}

variable "app_command" {
  description = "Command line of one instance ({port}, {address}, {version} and {colour} are replaced). The default is the lab app; on a real machine set your own."
  type        = list(string)
  default     = ["/usr/bin/python3", "/usr/local/lib/switchyard-lab/app.py", "{port}", "{address}", "{colour}-{version}"]
}

variable "users" {
  description = "Users of basic authentication, name => { password_hash } (crypt(3), e.g. `openssl passwd -6`). Empty (the default) for none; needed by canary_users."
  type = map(object({
    password_hash = optional(string)
  }))
  default = {}
}

variable "canary_users" {
  description = "Users sent to the idle colour before everyone (canary by user): one entry each in the user map, a runtime change. Empty for none; each must be in users."
  type        = list(string)
  default     = []
}
