#!/usr/bin/env bash
# drift-check.sh: does the infrastructure still match the configuration?
#
# Runs `terraform plan -detailed-exitcode` in the current directory (a root
# module, already initialised), prints the address of every resource that
# changed outside Terraform or that an apply would change, then the plan
# itself, and exits with terraform's code:
#   0  no changes: the machines match the configuration and the state
#   1  error: the plan could not be made (unreachable machine, bad
#      credentials, invalid configuration); nothing is known about drift
#   2  changes: something was changed by hand (or the configuration has
#      changes that were never applied); an apply would put it back
#   3  only with DRIFT_FAIL_ON_WARNING=1: no changes, but the plan has
#      warnings about resources (e.g. "Certificate Expires Soon"), which
#      terraform's own exit code does not show
# Warnings about resources are listed after the result whatever the exit code.
#
# Usage: drift-check.sh [terraform plan arguments…]
#   e.g. drift-check.sh -var-file=production.tfvars
# Environment:
#   TERRAFORM             the terraform binary (default: terraform from PATH)
#   DRIFT_REPORT          if set, a file that gets the changed addresses, one a line
#   DRIFT_FAIL_ON_WARNING if 1, a plan without changes but with warnings about resources exits 3
#   GITHUB_STEP_SUMMARY   if set (GitHub Actions), a Markdown summary is appended to it
#
# Needs only terraform, bash and coreutils/sed: the addresses come from the
# one-JSON-object-per-line stream of `terraform plan -json`.
set -euo pipefail

tf=${TERRAFORM:-terraform}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

set +e
"$tf" plan -detailed-exitcode -input=false -lock-timeout=120s -json -out="$tmp/plan" "$@" > "$tmp/plan.jsonl" 2> "$tmp/stderr"
rc=$?
set -e

# field NAME: the value of the first "NAME":"…" string in each line on stdin,
# with JSON's \" \\ and \n undone.
field() {
  local key="\"$1\":\""
  while IFS= read -r line; do
    [[ $line == *"$key"* ]] || continue
    line=${line#*"$key"}
    printf '%s\n' "$line" | sed 's/^\(\([^"\\]\|\\.\)*\)".*/\1/; s/\\n/\n  /g; s/\\"/"/g; s/\\\\/\\/g'
  done
}

# changes TYPE: "action address" for each message of TYPE (resource_drift:
# what changed outside Terraform; planned_change: what an apply would do).
changes() {
  { grep -F "\"type\":\"$1\"" "$tmp/plan.jsonl" || true; } | while IFS= read -r line; do
    addr=$(printf '%s\n' "$line" | field addr)
    action=$(printf '%s\n' "$line" | grep -o '"action":"[a-z-]*"' | tail -n 1 | cut -d'"' -f4)
    case $action in read | noop) continue ;; esac
    printf '%-8s %s\n' "$action" "$addr"
  done
}

case $rc in
0)
  echo "drift-check: no changes, the machines match the configuration."
  ;;
2)
  drifted=$(changes resource_drift)
  planned=$(changes planned_change)
  echo "drift-check: changes found (exit code 2)."
  if [[ -n $drifted ]]; then
    echo "Changed outside Terraform (found while refreshing):"
    printf '%s\n' "$drifted" | sed 's/^/  /'
  fi
  echo "An apply would change:"
  printf '%s\n' "$planned" | sed 's/^/  /'
  if [[ -n ${DRIFT_REPORT:-} ]]; then
    printf '%s\n' "$planned" | awk '{print $2}' > "$DRIFT_REPORT"
  fi
  if [[ -n ${GITHUB_STEP_SUMMARY:-} ]]; then
    {
      echo "### Drift: an apply would change these resources"
      printf '%s\n' "$planned" | awk '{printf "- `%s` (%s)\n", $2, $1}'
    } >> "$GITHUB_STEP_SUMMARY"
  fi
  echo
  echo "The plan:"
  "$tf" show -no-color "$tmp/plan"
  ;;
*)
  echo "drift-check: terraform plan failed (exit code $rc); nothing is known about drift." >&2
  grep -F '"@level":"error"' "$tmp/plan.jsonl" | while IFS= read -r line; do
    addr=$(printf '%s\n' "$line" | field address)
    printf 'Error: %s%s\n' "$(printf '%s\n' "$line" | field summary)" "${addr:+ ($addr)}"
    printf '  %s\n' "$(printf '%s\n' "$line" | field detail)"
  done >&2
  cat "$tmp/stderr" >&2
  ;;
esac

# Warnings about resources, e.g. a certificate within its
# expiry_warning_days: terraform exits 0 for them, so a scheduled check
# would stay green without this. Warnings that name no resource (the CLI's
# own, such as development overrides) are left out.
if [[ $rc != 1 ]]; then
  warned=$({ grep -F '"type":"diagnostic"' "$tmp/plan.jsonl" | grep -F '"severity":"warning"' || true; } | while IFS= read -r line; do
    addr=$(printf '%s\n' "$line" | field address)
    [[ -n $addr ]] || continue
    printf '%s (%s): %s\n' "$(printf '%s\n' "$line" | field summary)" "$addr" "$(printf '%s\n' "$line" | field detail)"
  done)
  if [[ -n $warned ]]; then
    echo
    echo "Warnings:"
    printf '%s\n' "$warned" | sed 's/^/  /'
    if [[ -n ${GITHUB_STEP_SUMMARY:-} ]]; then
      {
        echo "### Warnings"
        printf '%s\n' "$warned" | sed 's/^/- /'
      } >> "$GITHUB_STEP_SUMMARY"
    fi
    if [[ $rc == 0 && ${DRIFT_FAIL_ON_WARNING:-} == 1 ]]; then
      echo "drift-check: no changes, but warnings (exit code 3, DRIFT_FAIL_ON_WARNING=1)."
      rc=3
    fi
  fi
fi
exit "$rc"
