variable "machine" {
  description = "The machine to adopt: its address, the SSH private key file and its pinned host key."
  type = object({
    host             = string
    private_key_file = string
    host_key         = string
  })
}
