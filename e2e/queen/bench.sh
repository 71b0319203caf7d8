#!/usr/bin/env bash
# Push+pop through the queue's real server, with partition_lookup kept by Queen's trigger, by
# lookupkeeper eventual and by lookupkeeper strict — one after the other in one run, each on a fresh
# PostgreSQL and server, same load (e2e/queen/pushpop.mjs). Prints a Markdown table (also in
# build/e2e/pushpop.md).
#
#   e2e/queen/bench.sh [--modes "trigger eventual strict"] [--seconds 30] [--producers 32] [--batch 20]
#                      [--consumers 8] [--partitions "20 1000"] [--rounds 1]
# E2E_SIDECAR_ARGS adds options to the sidecar's `run` (e.g. "--replay-window 0 --min-batch-interval 2ms").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
modes="trigger eventual strict"; seconds=30; producers=32; batch=20; consumers=8; partition_counts="20 1000"; rounds=1
while [ $# -gt 0 ]; do
  case "$1" in
    --modes) modes=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --producers) producers=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --consumers) consumers=$2; shift 2 ;;
    --partitions) partition_counts=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    -h|--help) sed -n 2,9p "$0"; exit 0 ;;
    *) echo "bench: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
# shellcheck source=e2e/queen/lib.sh
. "$here/lib.sh"
e2e_prepare

results=$OUT/pushpop.jsonl
: >"$results"
for round in $(seq 1 "$rounds"); do
  for mode in $modes; do
    e2e_start_postgres
    e2e_start_queen
    [ "$mode" = trigger ] || e2e_start_sidecar "$mode"
    for p in $partition_counts; do
      line=$(node "$here/pushpop.mjs" --url "http://localhost:$QUEEN_PORT" --producers "$producers" --batch "$batch" \
        --consumers "$consumers" --partitions "$p" --seconds "$seconds" --queue "bench-$mode-$p-$round")
      echo "{\"mode\":\"$mode\",\"round\":$round,${line#\{}" | tee -a "$results"
    done
    if [ "$mode" != trigger ]; then
      e2e_lookupkeeper verify >"$OUT/bench-verify-$mode.log" 2>&1 && echo "[bench] $mode: verify PASS" \
        || echo "[bench] $mode: verify FAILED (see $OUT/bench-verify-$mode.log)"
    fi
    e2e_cleanup
    E2E_PIDS=(); PG_DATA=""
  done
done

node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
const key = r => `${r.partitions}`;
const byMode = {};
for (const r of rows) (byMode[key(r)] ??= {}, byMode[key(r)][r.mode] ??= []).push(r);
const avg = (a, f) => a.reduce((s, r) => s + Number(r[f]), 0) / a.length;
const max = (a, f) => Math.max(...a.map(r => Number(r[f])));
console.log("| partitions | mode | push msg/s | pop msg/s | push p99 ms | pop p99 ms | push vs trigger | pop vs trigger |");
console.log("|---|---|---|---|---|---|---|---|");
for (const [p, modes] of Object.entries(byMode)) {
  const t = modes.trigger;
  for (const [m, rs] of Object.entries(modes)) {
    const push = avg(rs, "push_msgs_per_s"), pop = avg(rs, "pop_msgs_per_s");
    const rp = t ? (push / avg(t, "push_msgs_per_s")).toFixed(2) : "-";
    const rq = t ? (pop / avg(t, "pop_msgs_per_s")).toFixed(2) : "-";
    console.log(`| ${p} | ${m} | ${push.toFixed(0)} | ${pop.toFixed(0)} | ${max(rs, "push_p99_ms")} | ${max(rs, "pop_p99_ms")} | ${rp} | ${rq} |`);
  }
}' "$results" | tee "$OUT/pushpop.md"
