variable "name" {
  description = "Prefix of every object this module creates: the backend NAME, the namespaces NAME-blue and NAME-green, and the services NAME-blue-1, NAME-green-1, …, so several apps can share a machine."
  type        = string
}

variable "live" {
  description = "The colour that takes the traffic, \"blue\" or \"green\"; the other one is idle (drained). Changing it is the switch: only the servers' admin states change, live through HAProxy's runtime API, with no reload."
  type        = string
  default     = "blue"
  validation {
    condition     = contains(["blue", "green"], var.live)
    error_message = "live must be \"blue\" or \"green\"."
  }
}

variable "blue_version" {
  description = "Version that the blue colour runs; it replaces {version} in its command line. Changing it restarts blue's services (apply waits until they answer), so change it only while blue is idle."
  type        = string
}

variable "green_version" {
  description = "Version that the green colour runs; it replaces {version} in its command line. Changing it restarts green's services (apply waits until they answer), so change it only while green is idle."
  type        = string
}

variable "app_command" {
  description = "Command line of one instance of either colour, with the placeholders {port}, {address} (127.0.0.1), {version} and {colour} replaced per instance. The default runs the Switchyard lab app, which exists only on lab machines: on a real machine, set your own program."
  type        = list(string)
  default     = ["/usr/bin/python3", "/usr/local/lib/switchyard-lab/app.py", "{port}", "{address}", "{colour}-{version}"]
}

variable "blue_app_command" {
  description = "Command line of blue's instances, when it differs from app_command (for example a new binary path); the same placeholders. Null for app_command."
  type        = list(string)
  default     = null
}

variable "green_app_command" {
  description = "Command line of green's instances, when it differs from app_command; the same placeholders. Null for app_command."
  type        = list(string)
  default     = null
}

variable "instances" {
  description = "Instances per colour; instance i (from 0) listens on 127.0.0.1:port+i inside its colour's namespace."
  type        = number
  default     = 2
  validation {
    condition     = var.instances >= 1 && var.instances <= 16
    error_message = "instances must be from 1 to 16."
  }
}

variable "port" {
  description = "Port of the first instance on its namespace's loopback. Each colour has its own namespace, so both colours use the same ports."
  type        = number
  default     = 8000
}

variable "check_interval" {
  description = "Interval of HAProxy's health checks of every server (`inter`), idle colour included: the idle colour is seen UP this long after it answers."
  type        = string
  default     = "1s"
}

variable "cpu_quota" {
  description = "CPU time each instance may use (CPUQuota=, e.g. \"50%\"); null for no limit."
  type        = string
  default     = null
}

variable "memory_max" {
  description = "Memory limit of each instance (MemoryMax=, e.g. \"256M\"); null for no limit."
  type        = string
  default     = null
}

variable "colour_backends" {
  description = "Whether to create, besides the backend NAME, one backend per colour (NAME-blue, NAME-green) with only that colour's servers, all ready: a user map can then send chosen users to the idle colour before everyone (canary by user). Creating them reloads HAProxy once; moving users between them is a map change, live."
  type        = bool
  default     = false
}
