#!/usr/bin/env bash
# End-to-end contract: the queue's real server (Queen 0.6.9) and its own client test suite, with
# partition_lookup kept by Queen's trigger or by lookupkeeper.
#
#   e2e/queen/run.sh [--mode strict|eventual|trigger] [--runs N] [--only "testA testB"] [--timeout SECONDS]
#
# It builds the server from $QUEEN_SRC (default ../shared/queen-0.6.9, never written to) into
# build/queen, installs the client's npm packages there, starts a private PostgreSQL
# (wal_level=logical, random port), the server (HTTP on localhost:6632, which the tests hard-code)
# and, in the CDC modes, `lookupkeeper run --drop-queue-trigger`. Then it runs every client test in
# its own process with a time-out and judges the outcome against the contract: every test that
# passes with Queen's own trigger (all but those in known-failures.tsv). Results per run go to
# build/e2e/<mode>-run<N>.tsv. Exit 0 when every contract test passed in every run, 1 otherwise,
# 2 when the set-up failed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mode=strict
runs=1
only=""
per_test_timeout=120
while [ $# -gt 0 ]; do
  case "$1" in
    --mode) mode=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --timeout) per_test_timeout=$2; shift 2 ;;
    -h|--help) sed -n 2,15p "$0"; exit 0 ;;
    *) echo "e2e: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$mode" in strict|eventual|trigger) ;; *) echo "e2e: --mode must be strict, eventual or trigger, not '$mode'" >&2; exit 2 ;; esac

# shellcheck source=e2e/queen/lib.sh
. "$here/lib.sh"
if [ "$mode" = trigger ]; then e2e_prepare no-sidecar; else e2e_prepare; fi
e2e_start_postgres
e2e_start_queen

if [ "$mode" != trigger ]; then
  e2e_start_sidecar "$mode"
fi

mapfile -t tests < <(cd "$BUILD/queen/client-js" && node test-v2/list-tests.mjs)
if [ -n "$only" ]; then
  read -r -a tests <<<"$only"
fi
declare -A known=()
while IFS=$'\t' read -r name outcome _reason; do
  [ -z "$name" ] || [ "${name:0:1}" = "#" ] && continue
  known[$name]=$outcome
done <"$here/known-failures.tsv"

broken=0
for run in $(seq 1 "$runs"); do
  result=$OUT/$mode-run$run.tsv
  : >"$result"
  pass=0; fail=0; timeouts=0; contract_failed=()
  started=$(date +%s)
  for t in "${tests[@]}"; do
    outcome=$(e2e_run_one "$t")
    printf '%s\t%s\n' "$t" "$outcome" >>"$result"
    case "$outcome" in
      pass) pass=$((pass + 1)) ;;
      timeout) timeouts=$((timeouts + 1)) ;;
      *) fail=$((fail + 1)) ;;
    esac
    if [ "$outcome" != pass ] && [ -z "${known[$t]:-}" ]; then
      contract_failed+=("$t")
    fi
    printf '[e2e] %-8s run %s  %-45s %s\n' "$mode" "$run" "$t" "$outcome"
  done
  secs=$(( $(date +%s) - started ))
  echo "[e2e] $mode run $run: ${#tests[@]} tests, $pass pass, $fail fail, $timeouts time-out, ${secs}s; contract failures: ${#contract_failed[@]}${contract_failed:+ (${contract_failed[*]})}"
  [ ${#contract_failed[@]} -eq 0 ] || broken=1
done

if [ "$mode" != trigger ]; then
  # Queen re-creates its trigger at every start: --drop-queue-trigger must take it away again
  drops_before=$(grep -ac "dropped the queue's trigger" "$OUT/sidecar-$mode.log" || true)
  e2e_restart_queen
  gone=""
  for _ in $(seq 1 20); do
    drops=$(grep -ac "dropped the queue's trigger" "$OUT/sidecar-$mode.log" || true)
    if [ "$drops" -gt "$drops_before" ] \
      && [ "$(e2e_psql -c "SELECT count(*) FROM pg_trigger WHERE tgname = 'trg_update_partition_lookup'")" = 0 ]; then
      gone=yes; break
    fi
    sleep 0.5
  done
  if [ -n "$gone" ]; then
    echo "[e2e] Queen restarted: its trigger re-created and dropped again within 10 s"
  else
    echo "[e2e] Queen restarted: its trigger is STILL THERE after 10 s"
    broken=1
  fi
  if e2e_lookupkeeper verify; then
    echo "[e2e] verify: PASS"
  else
    echo "[e2e] verify: FAILED (see above)"
    broken=1
  fi
fi
exit $broken
