# A namespace is imported by its name (as in /run/netns).
terraform import switchyard_namespace.app app
