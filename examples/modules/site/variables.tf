variable "name" {
  description = "Prefix of every object on both machines, e.g. the environment's name."
  type        = string
}

variable "edge_address" {
  description = "Public address of the edge machine, which its frontend binds."
  type        = string
}

variable "worker_address" {
  description = "Private address of the worker machine, which its frontend binds and the edge routes /remote to."
  type        = string
}

variable "http_port" {
  description = "Port of the edge's and the worker's frontends."
  type        = number
  default     = 80
}

variable "pool_ports" {
  description = "Ports of the app instances on the edge's loopback, balanced round robin for users not in deluxe_users."
  type        = list(number)
  default     = [8080, 8081, 8082]
}

variable "worker_instances" {
  description = "Number of app instances in the worker's namespace."
  type        = number
  default     = 1
}

variable "deluxe_cpu_quota" {
  description = "CPU quota of the deluxe instance on the edge."
  type        = string
  default     = "200%"
}

variable "app_command" {
  description = "Command line of the namespaced apps ({port} and {address} are replaced). The default is the lab app; on real machines set your own."
  type        = list(string)
  default     = ["/usr/bin/python3", "/usr/local/lib/switchyard-lab/app.py", "{port}", "{address}"]
}

variable "users" {
  description = "Users of basic authentication on the edge: name => { password_hash } (crypt(3)); users in passwords_wo leave the hash out."
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
  description = "Users sent to the deluxe instance (one user map entry each)."
  type        = list(string)
  default     = []
}
