# A userlist is imported by its name in haproxy.cfg. Imported users show
# their hashes as password_hash.
terraform import switchyard_userlist.members members
