variable "name" {
  description = "Prefix of every object this module creates: the namespace, the services (NAME-1, NAME-2, …) and the backend are all called after it, so two environments can share a machine."
  type        = string
}

variable "instances" {
  description = "Number of app instances in the namespace; instance i (from 0) listens on 127.0.0.1:port+i inside it, and the backend balances over them round robin."
  type        = number
  default     = 1
  validation {
    condition     = var.instances >= 1 && var.instances <= 16
    error_message = "instances must be from 1 to 16."
  }
}

variable "port" {
  description = "Port of the first instance on the namespace's loopback. Each namespace has its own loopback, so every app may use the same port."
  type        = number
  default     = 8000
}

variable "app_command" {
  description = "Command line of one instance, with the placeholders {port} and {address} (127.0.0.1) replaced per instance. The default runs the Switchyard lab app, which exists only on lab machines: on a real machine, set your own program."
  type        = list(string)
  default     = ["/usr/bin/python3", "/usr/local/lib/switchyard-lab/app.py", "{port}", "{address}"]
}

variable "cpu_quota" {
  description = "CPU time each instance may use (CPUQuota=, e.g. \"50%\" or \"200%\"); null for no limit."
  type        = string
  default     = null
}

variable "cpu_weight" {
  description = "Relative CPU weight of each instance (CPUWeight=, 1 to 10000); null for systemd's default (100)."
  type        = number
  default     = null
}

variable "io_weight" {
  description = "Relative IO weight of each instance (IOWeight=, 1 to 10000); null for systemd's default (100)."
  type        = number
  default     = null
}

variable "memory_max" {
  description = "Memory limit of each instance (MemoryMax=, e.g. \"256M\"); null for no limit."
  type        = string
  default     = null
}
