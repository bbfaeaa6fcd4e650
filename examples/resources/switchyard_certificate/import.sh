# A certificate is imported by its file name in the certificates directory,
# without `.pem` (here /etc/haproxy/certs/site.pem). The key cannot be read
# back into Terraform: set or bump private_key_wo_version in the configuration
# so that the first apply after the import writes the configuration's key.
terraform import switchyard_certificate.site site
