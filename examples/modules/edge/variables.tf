variable "name" {
  description = "Prefix of every HAProxy object this module creates (frontend NAME, backends NAME-pool and NAME-<route>, userlist NAME-users, map NAME-users), so two environments can share a machine."
  type        = string
}

variable "listen_address" {
  description = "Address the frontend binds on this machine (its public address, or \"*\" for all)."
  type        = string
}

variable "http_port" {
  description = "Port the frontend binds."
  type        = number
  default     = 80
}

variable "pool_ports" {
  description = "Ports of the app instances on this machine's loopback (127.0.0.1), balanced round robin by the backend NAME-pool. Empty for no pool."
  type        = list(number)
  default     = [8080, 8081, 8082]
}

variable "routes" {
  description = "Path routes, tried in order before anything else: requests whose path begins with `path` go to a backend NAME-<name> over `servers` (for example apps or the HAProxy of another machine, on its private address)."
  type = list(object({
    name = string
    path = string
    servers = list(object({
      address = string
      port    = number
    }))
  }))
  default = []
}

variable "default_backend" {
  description = "Backend for the requests no route or user map sends elsewhere, for example a namespaced-app module's `backend` output. Null for the pool NAME-pool."
  type        = string
  default     = null
  validation {
    condition     = var.default_backend != null || length(var.pool_ports) > 0
    error_message = "Set default_backend, or pool_ports for a local pool: the frontend needs a default."
  }
}

variable "users" {
  description = "Users of HTTP basic authentication (userlist NAME-users), each with a crypt(3) password hash (e.g. from `openssl passwd -6`). Empty for no authentication. Users given in `passwords_wo` may leave password_hash null."
  type = map(object({
    password_hash = optional(string)
  }))
  default = {}
}

variable "passwords_wo" {
  description = "Clear-text passwords by user name, written to the machine hashed and never kept in the state (write-only). Bump `passwords_wo_version` to change one."
  type        = map(string)
  default     = {}
  sensitive   = true
  ephemeral   = true
}

variable "passwords_wo_version" {
  description = "Change this number to write the passwords in `passwords_wo` again."
  type        = number
  default     = 1
}

variable "user_backends" {
  description = "Routing by identity (map NAME-users): user name => backend for that user once authenticated. Users with no entry go to the default backend. Changing an entry updates the running HAProxy without a reload. Needs `users`."
  type        = map(string)
  default     = {}
  validation {
    condition     = length(var.user_backends) == 0 || length(var.users) > 0
    error_message = "user_backends routes authenticated users: it needs users."
  }
}

variable "realm" {
  description = "Realm of the basic authentication."
  type        = string
  default     = "switchyard"
}

variable "https_port" {
  description = "Port of the frontend's TLS bind, terminating TLS with `certificates`; plain HTTP on http_port is then redirected there (301). Null for no TLS."
  type        = number
  default     = null
  validation {
    condition     = var.https_port == null || length(var.certificates) > 0
    error_message = "https_port needs at least one certificate in certificates."
  }
}

variable "certificates" {
  description = "Certificates for the TLS bind: name => certificate chain (PEM, leaf first), written to the machine as switchyard_certificate NAME-<name>. With several, HAProxy picks by SNI among every certificate in /etc/haproxy/certs."
  type        = map(string)
  default     = {}
}

variable "private_keys_wo" {
  description = "Private keys (PEM) of `certificates`, by the same names: written to the machine, never kept in the state (write-only). Bump `private_keys_wo_version` to write them again."
  type        = map(string)
  default     = {}
  sensitive   = true
  ephemeral   = true
}

variable "private_keys_wo_version" {
  description = "Change this number to write the private keys again (a rotation with new keys)."
  type        = number
  default     = 1
}

variable "hsts_max_age" {
  description = "max-age, in seconds, of the Strict-Transport-Security header HTTPS answers get; 0 for none."
  type        = number
  default     = 31536000
}
