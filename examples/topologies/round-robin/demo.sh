#!/usr/bin/env bash
# The demo behind `make demo`: apply this topology to the first lab machine
# with the provider just built, then show that requests are balanced.
# Run from the repository root by make (LAB, LAB_DIR, BIN_DIR, TERRAFORM set).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work="$BIN_DIR/demo/round-robin"
mkdir -p "$work"
cp "$here/main.tf" "$work/main.tf"

# A dev override makes terraform use the provider in BIN_DIR, no registry.
cat > "$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "switchyard/switchyard" = "$BIN_DIR"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1
"$LAB" tfvars -dir "$LAB_DIR" -machine 1 > "$work/terraform.tfvars.json"
addr=$("$LAB" address -dir "$LAB_DIR" -machine 1)

cd "$work"
echo "== terraform apply (machine $addr)"
# Terraform warns about the dev override; the rest of its output is the apply.
"$TERRAFORM" apply -auto-approve -no-color -compact-warnings
echo
echo "== 6 requests to http://$addr/ routed to backend \"app\" (the lab frontend picks the backend by header)"
for i in 1 2 3 4 5 6; do
  printf '  %s\n' "$(curl -sS --max-time 5 -H 'x-switchyard-backend: app' "http://$addr/demo")"
done
echo
echo "== terraform plan -detailed-exitcode (0 = no drift)"
set +e
"$TERRAFORM" plan -detailed-exitcode -no-color >/dev/null 2>&1
echo "  exit code $?"
set -e
cat <<MSG

Look around:  ssh -i $LAB_DIR/id_ed25519 -o UserKnownHostsFile=$LAB_DIR/known_hosts root@$addr
              (then: cat /etc/haproxy/haproxy.cfg; echo 'show proc' | socat /run/haproxy-master.sock -)
Terraform:    cd $work && TF_CLI_CONFIG_FILE=$work/terraformrc terraform plan
Tear down:    make demo-down
MSG
