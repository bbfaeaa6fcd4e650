#!/usr/bin/env bash
# The demo behind `make demo`: apply the complete topology (layered + deluxe)
# to two lab machines, edge = machine 1 and worker = machine 2, with the
# provider just built, then show with real requests that it works and move
# one user to the deluxe instance without a reload; then switch a blue-green
# app between its colours (../blue-green/demo.sh) and make a request over
# HTTPS (../https/demo.sh).
#
# Run from the repository root by make (LAB, LAB_DIR, BIN_DIR, TERRAFORM set).
# It can be run again: every run first puts john back in the default pool, so
# the story replays; passwords and the state stay in the work directory.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
examples=$(cd "$here/../.." && pwd)
work="$BIN_DIR/demo/complete"
root="$work/topologies/complete"

# A copy of the topology and the modules it uses, with the same relative
# layout (the module sources are ../../modules/…). The state stays in $root.
mkdir -p "$root"
for m in "$examples"/modules/*/; do
  m=$(basename "$m")
  mkdir -p "$work/modules/$m"
  rm -f "$work/modules/$m"/*.tf
  cp "$examples/modules/$m"/*.tf "$work/modules/$m/"
done
rm -f "$root"/*.tf
cp "$here"/*.tf "$root/"

# Terraform finds the provider in BIN_DIR through a dev override: no
# registry and no `terraform init` (local modules come with `terraform get`).
cat > "$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "switchyard/switchyard" = "$BIN_DIR"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1

# Passwords: made once per work directory, kept only there (0600), written
# to the edge hashed through a write-only argument (never in the state).
umask 077
pwfile="$work/passwords"
if [[ ! -s $pwfile ]]; then
  for user in vip john; do
    printf '%s:%s\n' "$user" "$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
  done > "$pwfile"
fi
cred() { grep "^$1:" "$pwfile"; }
pass() { cred "$1" | cut -d: -f2-; }
printf '{"passwords_wo": {"vip": "%s", "john": "%s"}}\n' "$(pass vip)" "$(pass john)" > "$work/passwords.tfvars.json"
umask 022

edge=$("$LAB" address -dir "$LAB_DIR" -machine 1)
worker=$("$LAB" address -dir "$LAB_DIR" -machine 2)
# The machines (the edge and worker variables), as the lab prints them;
# terraform reads *.auto.tfvars.json by itself.
"$LAB" tfvars -dir "$LAB_DIR" -machines edge=1,worker=2 > "$root/machines.auto.tfvars.json"

# write_vars DELUXE_USERS: the users, and who of them goes to deluxe: the
# one variable the story changes.
write_vars() {
  cat > "$root/terraform.tfvars.json" <<VARS
{
  "users": { "vip": {}, "john": {} },
  "deluxe_users": $1
}
VARS
}

tf() { "$TERRAFORM" "$@" -no-color -input=false; }

# apply LOG: terraform apply, its whole output in LOG; prints the summary,
# or the whole output if it fails.
apply() {
  if ! tf apply -auto-approve -compact-warnings -var-file="$work/passwords.tfvars.json" > "$work/$1" 2>&1; then
    cat "$work/$1"
    echo "terraform apply failed (output above, also in $work/$1)" >&2
    exit 1
  fi
  grep -E '^Apply complete' "$work/$1" | sed 's/^/  /'
}

# get URL [CURL ARGS]: one request; the body, or the status for a non-200.
get() {
  local url=$1
  shift
  local out code
  out=$(curl -sS --max-time 5 -w '\n%{http_code}' "$@" "$url") || true
  code=${out##*$'\n'}
  if [[ $code == 200 ]]; then
    printf '%s\n' "${out%$'\n'*}" | sed '/^$/d'
  else
    printf 'HTTP %s\n' "$code"
  fi
}

# master CMD: run CMD on the edge's HAProxy master socket over SSH. The
# socket refuses connections for a moment during a reload: try again.
ssh_edge=(ssh -i "$LAB_DIR/id_ed25519" -o UserKnownHostsFile="$LAB_DIR/known_hosts" -o BatchMode=yes "root@$edge")
master() {
  local out i
  for i in 1 2 3 4 5; do
    if out=$("${ssh_edge[@]}" "echo '$1' | socat /run/haproxy-master.sock - 2>/dev/null"); then
      printf '%s\n' "$out"
      return
    fi
    sleep 1
  done
  echo "could not reach the master socket on $edge" >&2
  return 1
}
# workers: the PIDs of HAProxy's current workers (a reload makes new ones).
# In the middle of a reload the list can be empty for a moment: ask again.
workers() {
  local pids i
  for i in 1 2 3 4 5; do
    pids=$(master 'show proc' | awk '/^# old workers/ {exit} $2 == "worker" {print $1}' | xargs)
    [[ -n $pids ]] && break
    sleep 1
  done
  printf '%s\n' "${pids:-none}"
}

cd "$root"
echo "== terraform apply: edge $edge (machine 1), worker $worker (machine 2); john starts in the pool"
"$TERRAFORM" get -no-color > "$work/get.log" 2>&1 || { cat "$work/get.log"; exit 1; }
# The story starts with only vip in deluxe (on a second run this puts john
# back: a map change, no reload).
write_vars '["vip"]'
apply apply-1.log
url="http://$edge/"

echo
echo "== 6 requests as john: rotate over the edge's pool (lab apps 8080-8082 on $edge)"
for _ in 1 2 3 4 5 6; do
  printf '  %s\n' "$(get "$url" -u "$(cred john)")"
done
echo
echo "== /remote as john: edge -> worker's HAProxy ($worker:80) -> app in the worker's namespace"
printf '  %s\n' "$(get "${url}remote" -u "$(cred john)")"
echo
echo "== anonymous, then a wrong password"
printf '  %s\n' "$(get "$url")" "$(get "$url" -u john:wrong)"
echo
echo "== vip -> the deluxe instance (namespaced app, port 8000, more CPU); john -> the default pool"
printf '  vip:  %s\n' "$(get "$url" -u "$(cred vip)")"
printf '  john: %s\n' "$(get "$url" -u "$(cred john)")"

echo
echo "== move john to deluxe: deluxe_users = [\"vip\"] -> [\"vip\", \"john\"], terraform apply"
# The proof of "no reload": HAProxy's worker PIDs, before and after. On a
# lab that others use at the same time, their reloads change the PIDs too:
# then john goes back and moves again (at most 3 times).
for try in 1 2 3; do
  before=$(workers)
  write_vars '["vip", "john"]'
  apply apply-2.log
  after=$(workers)
  [[ $before == "$after" || $try == 3 ]] && break
  echo "  (HAProxy was reloaded meanwhile by something else using the lab: moving john back and again)"
  write_vars '["vip"]'
  apply apply-back.log > /dev/null
done
grep -E '^\s+[~+-] .*john' "$work/apply-2.log" | sed 's/^ */  plan: /' || true
printf '  john: %s\n' "$(get "$url" -u "$(cred john)")"
printf '  HAProxy worker PIDs on the edge: before %s, after %s' "$before" "$after"
if [[ $before == "$after" ]]; then
  echo " (the same: no reload)"
else
  echo " (different: HAProxy was reloaded meanwhile, by something else using the lab)"
fi

echo
echo "== terraform plan -detailed-exitcode (0 = the machines match the configuration)"
set +e
tf plan -detailed-exitcode -var-file="$work/passwords.tfvars.json" > "$work/plan.log" 2>&1
rc=$?
set -e
echo "  exit code $rc"
[[ $rc == 0 ]] || { cat "$work/plan.log"; exit 1; }

echo
# Blue-green deployments: a topology of its own on the edge (port 8088).
bash "$examples/topologies/blue-green/demo.sh"

echo
# HTTPS: a topology of its own on the edge (ports 8480 and 8443).
bash "$examples/topologies/https/demo.sh"

cat <<MSG

Credentials:  $pwfile (user:password, 0600), e.g.
                curl -u "\$(grep ^vip: $pwfile)" $url
HTTPS:        curl --cacert $BIN_DIR/demo/https/tls/ca.crt --resolve demo.switchyard.test:8443:$edge https://demo.switchyard.test:8443/
Look around:  ssh -i $LAB_DIR/id_ed25519 -o UserKnownHostsFile=$LAB_DIR/known_hosts root@$edge   (worker: root@$worker)
                cat /etc/haproxy/haproxy.cfg; echo 'show proc' | socat /run/haproxy-master.sock -
Terraform:    cd $root && TF_CLI_CONFIG_FILE=$work/terraformrc $TERRAFORM plan -var-file=$work/passwords.tfvars.json
Tear down:    make demo-down
MSG
