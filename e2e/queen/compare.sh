#!/usr/bin/env bash
# Runs Queen's client suite once per mode — Queen's own trigger, lookupkeeper eventual, lookupkeeper
# strict — and prints the outcomes side by side (build/e2e/compare.md). Exit 0 when strict keeps
# the contract; eventual's failures are reported, not judged (a pop right after a push may miss).
#
#   e2e/queen/compare.sh [--modes "trigger eventual strict"] [--timeout SECONDS]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
modes="trigger eventual strict"
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --modes) modes=$2; shift 2 ;;
    --timeout) extra+=(--timeout "$2"); shift 2 ;;
    -h|--help) sed -n 2,7p "$0"; exit 0 ;;
    *) echo "compare: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
OUT=${E2E_BUILD_DIR:-$top/build}/e2e
status=0
for m in $modes; do
  "$here/run.sh" --mode "$m" "${extra[@]}" | tee "$OUT/$m-summary.log" | grep -E "^\[e2e\] $m run|verify" || true
  rc=${PIPESTATUS[0]}
  [ "$m" = strict ] && [ "$rc" -ne 0 ] && status=1
done
{
  printf '| test |'; for m in $modes; do printf ' %s |' "$m"; done; echo
  printf '|---|'; for _ in $modes; do printf -- '---|'; done; echo
  cut -f1 "$OUT/$(echo $modes | awk '{print $1}')-run1.tsv" | while read -r t; do
    row="| $t |"; differs=0; first=""
    for m in $modes; do
      o=$(awk -F'\t' -v t="$t" '$1 == t {print $2}' "$OUT/$m-run1.tsv")
      row="$row $o |"
      [ -z "$first" ] && first=$o
      [ "$o" != "$first" ] && differs=1
    done
    [ $differs -eq 1 ] && echo "$row"
  done
  echo
  for m in $modes; do
    printf '%s: %s pass, %s fail, %s time-out\n' "$m" "$(grep -c $'\tpass$' "$OUT/$m-run1.tsv")" \
      "$(grep -c $'\tfail$' "$OUT/$m-run1.tsv")" "$(grep -c $'\ttimeout$' "$OUT/$m-run1.tsv")"
  done
} >"$OUT/compare.md"
echo "tests whose outcome differs between the modes (build/e2e/compare.md):"
cat "$OUT/compare.md"
exit $status
