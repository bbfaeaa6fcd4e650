variable "edge" {
  description = "The edge machine, as `switchyard-lab tfvars -machines edge=1,worker=2` prints it."
  type = object({
    host             = string
    private_key_file = string
    host_key         = string
  })
}

variable "worker" {
  description = "The worker machine, reached by the edge on `worker.host`."
  type = object({
    host             = string
    private_key_file = string
    host_key         = string
  })
}

variable "name" {
  description = "Prefix of every object this environment creates on both machines."
  type        = string
  default     = "staging"
}

variable "http_port" {
  description = "Port of the edge's and the worker's frontends."
  type        = number
  default     = 8088
}

variable "users" {
  description = "Users of this environment: name => { password_hash } (crypt(3), e.g. `openssl passwd -6`); users in passwords_wo leave the hash out."
  type = map(object({
    password_hash = optional(string)
  }))
}

variable "passwords_wo" {
  description = "Clear-text passwords by user name, written hashed and never kept in the state."
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

variable "deluxe_users" {
  description = "Users of this environment sent to the deluxe instance."
  type        = list(string)
  default     = ["tester"]
}
