#!/usr/bin/env bash
# Strict consistency riding through the loss of its sidecar, on the queue's real server under
# push+pop load: two strict sidecars (a leader and a standby); the leader is SIGKILLed (the standby
# takes the slot over), then the standby, now the only one, is SIGKILLed (its guard process fails
# open after --strict-failover); then a new sidecar restores strict. Reports the longest push and
# the errors, and ends with verify (nothing lost: the lookup equals the truth).
#
#   e2e/queen/failover.sh [--seconds 45]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
seconds=45
[ "${1:-}" = "--seconds" ] && seconds=$2
# shellcheck source=e2e/queen/lib.sh
. "$here/lib.sh"
e2e_prepare
e2e_start_postgres
e2e_start_queen
e2e_start_sidecar strict
leader=$SIDECAR_PID
(exec java -jar "$OUT/lookupkeeper.jar" run --consistency strict --http-port 0 >"$OUT/failover-standby.log" 2>&1) &
standby=$!
E2E_PIDS+=("$standby")
SIDECAR_PID=$standby e2e_await_log "$OUT/failover-standby.log" "standby: another process leads" || { e2e_log "the standby did not start"; exit 2; }
e2e_log "leader pid $leader streams, standby pid $standby waits"

node "$here/pushpop.mjs" --url "http://localhost:$QUEEN_PORT" --producers 8 --batch 10 --consumers 4 --partitions 20 \
  --seconds "$seconds" --queue failover-q >"$OUT/failover-load.json" &
load=$!
sleep 10
e2e_log "SIGKILL the leader ($leader)"
kill -KILL "$leader"
SIDECAR_PID=$standby e2e_await_log "$OUT/failover-standby.log" "taking over" && e2e_log "the standby took over"
sleep 12
e2e_log "SIGKILL the standby, now the only sidecar ($standby); its guard process must fail open"
kill -KILL "$standby"
wait "$load"
cat "$OUT/failover-load.json"
e2e_lookupkeeper status | grep -E "^consistency" || true
(exec java -jar "$OUT/lookupkeeper.jar" run --consistency strict --http-port 0 >"$OUT/failover-restart.log" 2>&1) &
E2E_PIDS+=($!)
SIDECAR_PID=$! e2e_await_log "$OUT/failover-restart.log" "strict consistency in effect" && e2e_log "a new sidecar: strict restored"
e2e_lookupkeeper status | grep -E "^consistency" || true
grep -h "FAILED OPEN\|taking over" "$OUT"/sidecar-strict.log "$OUT"/failover-standby.log 2>/dev/null | cut -c1-200 || true
if e2e_lookupkeeper verify --wait 30 >"$OUT/failover-verify.log" 2>&1; then
  echo "[e2e] failover: verify PASS"
else
  echo "[e2e] failover: verify FAILED (see $OUT/failover-verify.log)"; exit 1
fi
