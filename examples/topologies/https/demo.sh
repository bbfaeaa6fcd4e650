#!/usr/bin/env bash
# The HTTPS step of `make demo` (run by ../complete/demo.sh): a throwaway CA
# and a certificate for demo.switchyard.test made with openssl (kept in the
# work directory), the https topology applied on lab machine 1 (HTTP 8480,
# HTTPS 8443), then one request over HTTPS with curl --cacert, printing the
# answer, the HSTS header and the certificate's subject, and one over plain
# HTTP, which is redirected.
#
# Run from the repository root with LAB, LAB_DIR, BIN_DIR, TERRAFORM set.
# It can be run again: the CA and the certificate are made once per work
# directory, so a re-run applies no change.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
examples=$(cd "$here/../.." && pwd)
work="$BIN_DIR/demo/https"
root="$work/topologies/https"
http_port=8480
https_port=8443
server_name=demo.switchyard.test

mkdir -p "$root"
mkdir -p "$work/modules/edge"
rm -f "$work/modules/edge"/*.tf
cp "$examples/modules/edge"/*.tf "$work/modules/edge/"
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

# The throwaway CA and a certificate it signs for server_name (a year),
# once: the same files on every run, so the apply plans no change.
tls="$work/tls"
if [[ ! -s $tls/site.crt ]]; then
  mkdir -p "$tls"
  (
    umask 077
    cd "$tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
      -subj "/CN=Switchyard demo CA" -keyout ca.key -out ca.crt 2> openssl.log
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -subj "/CN=$server_name/O=Switchyard demo" -keyout site.key -out site.csr 2>> openssl.log
    printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$server_name" > site.ext
    openssl x509 -req -in site.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 \
      -extfile site.ext -out site.crt 2>> openssl.log
  )
fi

edge=$("$LAB" address -dir "$LAB_DIR" -machine 1)
"$LAB" tfvars -dir "$LAB_DIR" -machines edge=1 > "$root/machines.auto.tfvars.json"
cat > "$root/terraform.tfvars.json" <<VARS
{
  "name": "demo-https",
  "http_port": $http_port,
  "https_port": $https_port,
  "certificates": { "site": { "certificate_file": "$tls/site.crt", "private_key_file": "$tls/site.key" } }
}
VARS

tf() { "$TERRAFORM" "$@" -no-color -input=false; }

cd "$root"
"$TERRAFORM" get -no-color > "$work/get.log" 2>&1 || { cat "$work/get.log"; exit 1; }
echo "== HTTPS on $edge:$https_port: a certificate for $server_name from a throwaway CA ($tls), terraform apply"
if ! tf apply -auto-approve -compact-warnings > "$work/apply.log" 2>&1; then
  cat "$work/apply.log"
  echo "terraform apply failed (output above, also in $work/apply.log)" >&2
  exit 1
fi
grep -E '^Apply complete' "$work/apply.log" | sed 's/^/  /'

# curl resolves the name to the edge itself: no DNS, and SNI is the name.
resolve=(--resolve "$server_name:$https_port:$edge" --resolve "$server_name:$http_port:$edge")
echo
echo "== curl --cacert ca.crt https://$server_name:$https_port/"
out=$(curl -sS --max-time 5 --cacert "$tls/ca.crt" "${resolve[@]}" -D "$work/headers" -w '\n%{http_code}' "https://$server_name:$https_port/") || out=$'request failed\n000'
printf '  HTTP %s: %s\n' "${out##*$'\n'}" "$(printf '%s\n' "${out%$'\n'*}" | sed '/^$/d')"
printf '  %s\n' "$(grep -i '^strict-transport-security:' "$work/headers" | tr -d '\r' || echo 'no Strict-Transport-Security header')"
# The certificate the server presented for the SNI name, as a client sees it.
subject=$(openssl s_client -connect "$edge:$https_port" -servername "$server_name" -CAfile "$tls/ca.crt" < /dev/null 2> /dev/null |
  openssl x509 -noout -subject -enddate 2> /dev/null | paste -sd ' ' -) || true
printf '  served certificate: %s\n' "${subject:-none (handshake failed)}"
echo
echo "== curl http://$server_name:$http_port/ (plain HTTP)"
printf '  %s\n' "$(curl -sS --max-time 5 "${resolve[@]}" -o /dev/null -w 'HTTP %{http_code} -> %{redirect_url}' "http://$server_name:$http_port/")"
