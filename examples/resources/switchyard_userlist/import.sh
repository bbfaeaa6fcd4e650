# A userlist is imported by its name in haproxy.cfg. Imported users show
# their hashes as password_hash, and users with an insecure-password line as
# insecure_password = true (the plaintext stays on the machine).
terraform import switchyard_userlist.members members
