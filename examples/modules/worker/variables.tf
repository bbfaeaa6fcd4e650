variable "name" {
  description = "Prefix of every object this module creates: the frontend NAME and the namespaced app NAME-app (namespace, services and backend), so two environments can share a machine."
  type        = string
}

variable "listen_address" {
  description = "Private address of this machine that its HAProxy frontend binds; the edge machine routes to it."
  type        = string
}

variable "http_port" {
  description = "Port the frontend binds."
  type        = number
  default     = 80
}

variable "instances" {
  description = "Number of app instances in the worker's namespace."
  type        = number
  default     = 1
}

variable "app_port" {
  description = "Port of the first app instance inside the namespace."
  type        = number
  default     = 8000
}

variable "app_command" {
  description = "Command line of one app instance ({port} and {address} are replaced). The default runs the Switchyard lab app, which exists only on lab machines: on a real machine, set your own program."
  type        = list(string)
  default     = ["/usr/bin/python3", "/usr/local/lib/switchyard-lab/app.py", "{port}", "{address}"]
}

variable "cpu_quota" {
  description = "CPU time each app instance may use (CPUQuota=); null for no limit."
  type        = string
  default     = null
}
