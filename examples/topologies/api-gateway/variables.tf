variable "edge" {
  description = "The machine, as `switchyard-lab tfvars -machines edge=1` prints it."
  type = object({
    host             = string
    private_key_file = string
    host_key         = string
  })
}

variable "name" {
  description = "Prefix of every object this topology creates, so several copies can share the machine."
  type        = string
  default     = "gateway"
}

variable "http_port" {
  description = "Port of the public frontend."
  type        = number
  default     = 80
}

variable "app_ports" {
  description = "Ports of the API's instances on the machine's loopback (the lab runs 8080, 8081 and 8082)."
  type        = list(number)
  default     = [8080, 8081, 8082]
}

variable "users" {
  description = "Users of basic authentication: name => { password_hash } (crypt(3), e.g. `openssl passwd -6`). A user whose password is in passwords_wo leaves password_hash out."
  type = map(object({
    password_hash = optional(string)
  }))
  validation {
    condition     = length(var.users) > 0
    error_message = "The gateway authenticates every request: give at least one user."
  }
}

variable "passwords_wo" {
  description = "Clear-text passwords by user name: written to the machine hashed, never kept in the state."
  type        = map(string)
  default     = {}
  sensitive   = true
  ephemeral   = true
}

variable "passwords_wo_version" {
  description = "Change this number to write passwords_wo again."
  type        = number
  default     = 1
}

variable "rate_limit" {
  description = "Requests one user may send per rate_period_seconds; the next ones get 429 until the rate falls back under it."
  type        = number
  default     = 20
  validation {
    condition     = var.rate_limit >= 1
    error_message = "rate_limit must be at least 1."
  }
}

variable "rate_period_seconds" {
  description = "Period of the rate limit, in seconds."
  type        = number
  default     = 10
  validation {
    condition     = var.rate_period_seconds >= 1 && floor(var.rate_period_seconds) == var.rate_period_seconds
    error_message = "rate_period_seconds must be a whole number of seconds, at least 1."
  }
}

variable "static_max_age" {
  description = "Seconds a /static/ answer is kept in HAProxy's cache (and the Cache-Control max-age it is given)."
  type        = number
  default     = 60
}
