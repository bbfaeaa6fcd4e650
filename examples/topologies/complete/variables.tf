variable "edge" {
  description = "The edge machine (public HAProxy), as `switchyard-lab tfvars -machines edge=1,worker=2` prints it."
  type = object({
    host             = string
    private_key_file = string
    host_key         = string
  })
}

variable "worker" {
  description = "The worker machine, reached by the edge on `worker.host` (its private address)."
  type = object({
    host             = string
    private_key_file = string
    host_key         = string
  })
}

variable "name" {
  description = "Prefix of every object created on both machines (frontends, backends, userlist, map, namespaces, services)."
  type        = string
  default     = "complete"
}

variable "http_port" {
  description = "Port of the edge's public frontend and of the worker's frontend."
  type        = number
  default     = 80
}

variable "pool_ports" {
  description = "Ports of the app instances on the edge's loopback that anyone not in deluxe_users is balanced over."
  type        = list(number)
  default     = [8080, 8081, 8082]
}

variable "users" {
  description = "Users of basic authentication: name => { password_hash } with a crypt(3) hash (e.g. `openssl passwd -6`). A user whose password is in passwords_wo leaves password_hash out."
  type = map(object({
    password_hash = optional(string)
  }))
}

variable "passwords_wo" {
  description = "Clear-text passwords by user name: written to the edge hashed, never kept in the state."
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
  description = "Users routed to the deluxe instance (one entry each in the user map); everyone else goes to the pool."
  type        = list(string)
  default     = ["vip"]
}

variable "deluxe_cpu_quota" {
  description = "CPU quota of the deluxe instance."
  type        = string
  default     = "200%"
}
