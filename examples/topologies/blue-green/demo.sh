#!/usr/bin/env bash
# The blue-green step of `make demo` (run by ../complete/demo.sh): apply the
# blue-green topology on lab machine 1 (port 8088), blue v1 live and green
# v2 idle, then switch to green and back, showing which version answers and
# HAProxy's worker PIDs (the same before and after: no reload).
#
# Run from the repository root with LAB, LAB_DIR, BIN_DIR, TERRAFORM set.
# It can be run again: every run starts from blue live, and ends there.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
examples=$(cd "$here/../.." && pwd)
work="$BIN_DIR/demo/blue-green"
root="$work/topologies/blue-green"
port=8088

# A copy with the same relative layout (module sources ../../modules/…);
# the state stays in $root.
mkdir -p "$root"
for m in blue-green edge; do
  mkdir -p "$work/modules/$m"
  rm -f "$work/modules/$m"/*.tf
  cp "$examples/modules/$m"/*.tf "$work/modules/$m/"
done
rm -f "$root"/*.tf
cp "$here"/*.tf "$root/"
cat > "$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "switchyard/switchyard" = "$BIN_DIR"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1

edge=$("$LAB" address -dir "$LAB_DIR" -machine 1)
"$LAB" tfvars -dir "$LAB_DIR" -machines edge=1 > "$root/machines.auto.tfvars.json"
url="http://$edge:$port/"

tf() { "$TERRAFORM" "$@" -no-color -input=false; }

# apply LIVE LOG: the one variable the story changes.
apply() {
  printf '{"http_port": %s, "live": "%s", "blue_version": "v1", "green_version": "v2"}\n' "$port" "$1" > "$root/terraform.tfvars.json"
  if ! tf apply -auto-approve -compact-warnings > "$work/$2" 2>&1; then
    cat "$work/$2"
    echo "terraform apply failed (output above, also in $work/$2)" >&2
    exit 1
  fi
  grep -E '^Apply complete' "$work/$2" | sed 's/^/  /'
}

answers() {
  local i
  for i in 1 2 3 4; do
    printf '  %s\n' "$(curl -sS --max-time 5 "$url" || echo "request failed")"
  done
}

ssh_edge=(ssh -i "$LAB_DIR/id_ed25519" -o UserKnownHostsFile="$LAB_DIR/known_hosts" -o BatchMode=yes "root@$edge")
# workers: HAProxy's current worker PIDs (a reload makes new ones).
workers() {
  "${ssh_edge[@]}" "echo 'show proc' | socat /run/haproxy-master.sock - 2>/dev/null" |
    awk '/^# old workers/ {exit} $2 == "worker" {print $1}' | xargs
}

cd "$root"
"$TERRAFORM" get -no-color > "$work/get.log" 2>&1 || { cat "$work/get.log"; exit 1; }
echo "== blue-green on $edge:$port: blue runs v1 and is live, green runs v2 and is idle (drained)"
apply blue apply-blue.log
answers

for live in green blue; do
  echo
  echo "== switch: live = \"$live\", terraform apply (admin states only: runtime API, no reload)"
  before=$(workers)
  apply "$live" "apply-$live.log"
  after=$(workers)
  printf '  live: %s, idle: %s\n' "$("$TERRAFORM" output -raw live)" "$("$TERRAFORM" output -raw idle)"
  answers
  printf '  HAProxy worker PIDs: before %s, after %s' "$before" "$after"
  if [[ $before == "$after" ]]; then
    echo " (the same: no reload)"
  else
    echo " (different: HAProxy was reloaded meanwhile, by something else using the lab)"
  fi
done
echo
echo "  (green keeps running v2, drained: switching to it again is one apply; see $here/README.md)"
