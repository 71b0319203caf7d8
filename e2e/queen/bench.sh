#!/usr/bin/env bash
# Push+pop through the queue's real server, with partition_lookup kept by nothing (`none`: Queen's
# trigger dropped, no sidecar — the push's ceiling; pops find nothing there, the queue's pops choose
# partitions from partition_lookup), by Queen's trigger, by lookupkeeper eventual and by lookupkeeper
# strict — one after the other in one run, each on a fresh PostgreSQL and server, same load
# (e2e/queen/pushpop.mjs: a warm-up, then the measured window). Mode `walsender`: Queen's trigger
# dropped and PostgreSQL's own client, pg_recvlogical, streaming pgoutput from a slot of its own over
# the Unix socket into /dev/null — the walsender's cost with nothing applied, the most any CDC could
# keep (its pops find nothing, as none's; its CPU shows in the sidecar column). Prints a Markdown
# table (also in build/e2e/pushpop.md).
#
#   e2e/queen/bench.sh [--modes "trigger eventual strict"] [--seconds 30] [--warmup 5] [--producers 32]
#                      [--batch 20] [--consumers 8] [--partitions "20 1000"] [--workers N] [--rounds 1]
#                      [--sidecar-socket tcp|unix]     (modes also: eventual@unix, strict@unix, walsender, none)
# --workers: the server's NUM_WORKERS (its default 10): each push holds one worker thread from its
# statement to its commit, so the workers bound the pushes in flight, and with them how often two
# meet on a lookup row. --sidecar-socket unix: the sidecar on PostgreSQL's Unix-domain socket (default
# tcp). E2E_SIDECAR_ARGS adds options to the sidecar's `run` (e.g. "--replay-window 0
# --min-batch-interval 2ms").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
modes="trigger eventual strict"; seconds=30; warmup=5; producers=32; batch=20; consumers=8; partition_counts="20 1000"; rounds=1
while [ $# -gt 0 ]; do
  case "$1" in
    --modes) modes=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --workers) export E2E_QUEEN_WORKERS=$2; shift 2 ;;
    --sidecar-socket) export E2E_SIDECAR_SOCKET=$2; shift 2 ;;
    --producers) producers=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --consumers) consumers=$2; shift 2 ;;
    --partitions) partition_counts=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    -h|--help) sed -n 2,19p "$0"; exit 0 ;;
    *) echo "bench: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
case "${E2E_SIDECAR_SOCKET:-tcp}" in tcp|unix) ;; *) echo "bench: --sidecar-socket must be tcp or unix, not '$E2E_SIDECAR_SOCKET'" >&2; exit 2 ;; esac
for mode in $modes; do
  case "$mode" in none|trigger|eventual|strict|eventual@unix|strict@unix|walsender) ;;
    *) echo "bench: unknown mode '$mode' (none, trigger, eventual, strict; eventual@unix, strict@unix: the sidecar on the Unix socket;"\
" walsender: pg_recvlogical alone)" >&2; exit 2 ;;
  esac
done
# shellcheck source=e2e/queen/lib.sh
. "$here/lib.sh"
e2e_prepare

# CPU spent so far (user + system, clock ticks) by PostgreSQL (the postmaster and its children), of
# that by its walsenders and by the sidecar's own sessions (its lookup statements: application_name
# lookupkeeper-*), by the sidecar and by Queen's server: "pg walsender sessions sidecar server".
# A backend that exits between two samples takes its CPU with it: PostgreSQL's figure is a lower bound
# (the server's pool and the sidecar's sessions live through a run). Zeros when it cannot be read.
cpu_ticks() {
  cpu_ticks_read 2>/dev/null || echo "0 0 0 0 0"
}
cpu_ticks_read() {
  local pm p t pg=0 ws=0 own=0 sessions
  pm=$(head -1 "$PG_DATA/data/postmaster.pid")
  sessions=" $(e2e_psql -c "SELECT string_agg(pid::text, ' ') FROM pg_stat_activity
    WHERE backend_type = 'client backend' AND application_name LIKE 'lookupkeeper-%'") "
  for p in $pm $(pgrep -P "$pm"); do
    t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null) || continue
    pg=$((pg + t))
    grep -qs walsender "/proc/$p/cmdline" && ws=$((ws + t))
    [[ $sessions == *" $p "* ]] && own=$((own + t))
  done
  echo "$pg $ws $own $(proc_ticks "${SIDECAR_PID:-}") $(proc_ticks "$QUEEN_PID")"
}
# `walsender`: pg_recvlogical on a pgoutput slot and a publication like lookupkeeper's (the same column
# list), over the cluster's Unix socket; sets RECV_PID once it streams
start_walsender_alone() {
  e2e_psql -c "DROP TRIGGER IF EXISTS trg_update_partition_lookup ON queen.messages"
  e2e_psql -c "CREATE PUBLICATION bench_walsender_alone FOR TABLE queen.messages (id, partition_id, created_at)
    WITH (publish = 'insert, delete, truncate')"
  e2e_psql -c "SELECT pg_create_logical_replication_slot('bench_walsender_alone', 'pgoutput')" >/dev/null
  PGHOST=$PG_DATA "$PG_BIN_DIR/pg_recvlogical" --dbname "$PGDATABASE" --slot bench_walsender_alone --start --no-loop \
    --file /dev/null --status-interval 10 --fsync-interval 10 \
    --option proto_version=1 --option publication_names=bench_walsender_alone >"$OUT/pg_recvlogical.log" 2>&1 &
  RECV_PID=$!
  E2E_PIDS+=("$RECV_PID")
  for _ in $(seq 1 100); do
    [ "$(e2e_psql -c "SELECT active FROM pg_replication_slots WHERE slot_name = 'bench_walsender_alone'")" = t ] && return 0
    kill -0 "$RECV_PID" 2>/dev/null || break
    sleep 0.1
  done
  e2e_log "pg_recvlogical did not start streaming: see $OUT/pg_recvlogical.log"; exit 2
}
proc_ticks() { { [ -n "$1" ] && awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null; } || echo 0; }
clock_tick=$(getconf CLK_TCK)

results=$OUT/pushpop.jsonl
: >"$results"
for round in $(seq 1 "$rounds"); do
  for mode in $modes; do
    e2e_start_postgres
    e2e_start_queen
    case "$mode" in
      trigger) ;;
      none) e2e_psql -c "DROP TRIGGER IF EXISTS trg_update_partition_lookup ON queen.messages" ;;
      walsender) start_walsender_alone ;;
      *@unix) E2E_SIDECAR_SOCKET=unix e2e_start_sidecar "${mode%@unix}" ;;
      *) e2e_start_sidecar "$mode" ;;
    esac
    case "$mode" in eventual*|strict*) ;; walsender) SIDECAR_PID=$RECV_PID ;; *) SIDECAR_PID="" ;; esac
    for p in $partition_counts; do
      node "$here/pushpop.mjs" --url "http://localhost:$QUEEN_PORT" --producers "$producers" --batch "$batch" \
        --consumers "$consumers" --partitions "$p" --seconds "$seconds" --warmup "$warmup" --queue "bench-$mode-$p-$round" \
        >"$OUT/pushpop.line" &
      load=$!
      E2E_PIDS+=("$load")
      # the CPU of the measured window (it starts after the warm-up; the load's own start takes a moment)
      sleep "$(awk -v w="$warmup" 'BEGIN { print w + 0.3 }')"
      read -r pg0 ws0 own0 lk0 qs0 < <(cpu_ticks); t0=$(date +%s%N)
      sleep "$seconds"
      read -r pg1 ws1 own1 lk1 qs1 < <(cpu_ticks); t1=$(date +%s%N)
      wait "$load"
      line=$(cat "$OUT/pushpop.line")
      cpu="\"cpu\":{\"window_s\":$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'),\"tick_us\":$((1000000 / clock_tick)),"
      cpu+="\"postgres\":$((pg1 - pg0)),\"walsender\":$((ws1 - ws0)),\"sidecar_sessions\":$((own1 - own0)),\"sidecar\":$((lk1 - lk0)),\"server\":$((qs1 - qs0))}"
      label=$mode
      # the run-wide --sidecar-socket unix shows in the label as the @unix modes do
      case "$mode" in eventual|strict) [ "${E2E_SIDECAR_SOCKET:-tcp}" = unix ] && label=$mode@unix ;; esac
      echo "{\"mode\":\"$label\",\"round\":$round,$cpu,${line#\{}" | tee -a "$results"
    done
    if [ -n "$SIDECAR_PID" ] && [ "$mode" != walsender ]; then
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
const max = (a, f) => { const m = Math.max(...a.map(r => Number(r[f] ?? NaN))); return Number.isFinite(m) ? m : "-"; };
// CPU per message pushed in the window, in µs: PostgreSQL (of it the walsender and the sidecar sessions),
// the sidecar, the server; on a saturated machine these follow the throughput too (the same CPU over fewer messages)
const perMsg = (rs, f) => avg(rs.map(r => ({ v: r.cpu[f] * r.cpu.tick_us / (r.push_msgs_per_s * r.cpu.window_s) })), "v").toFixed(1);
console.log("| partitions | mode | push msg/s | pop msg/s | push p50 / p99 ms | pop p99 ms | push vs trigger | pop vs trigger | CPU µs per pushed message: PostgreSQL (walsender, sidecar sessions) / sidecar / server |");
console.log("|---|---|---|---|---|---|---|---|---|");
for (const [p, modes] of Object.entries(byMode)) {
  const t = modes.trigger;
  for (const [m, rs] of Object.entries(modes)) {
    const push = avg(rs, "push_msgs_per_s"), pop = avg(rs, "pop_msgs_per_s");
    const rp = t ? (push / avg(t, "push_msgs_per_s")).toFixed(2) : "-";
    const rq = t && avg(t, "pop_msgs_per_s") > 0 ? (pop / avg(t, "pop_msgs_per_s")).toFixed(2) : "-";
    const p50 = (avg(rs, "push_p50_ms")).toFixed(1);
    const cpu = `${perMsg(rs, "postgres")} (${perMsg(rs, "walsender")}, ${perMsg(rs, "sidecar_sessions")}) / ${perMsg(rs, "sidecar")} / ${perMsg(rs, "server")}`;
    console.log(`| ${p} | ${m} | ${push.toFixed(0)} | ${pop.toFixed(0)} | ${p50} / ${max(rs, "push_p99_ms")} | ${max(rs, "pop_p99_ms")} | ${rp} | ${rq} | ${cpu} |`);
  }
}
// issue 16: eventual >= 1.10x the trigger on push and pop, strict >= 1.0x (pop only where the trigger popped)
const targets = [];
for (const [p, modes] of Object.entries(byMode)) {
  const t = modes.trigger;
  if (!t) continue;
  for (const [m, rs] of Object.entries(modes)) {
    const bound = m.startsWith("eventual") ? 1.10 : m.startsWith("strict") ? 1.0 : null;
    if (bound === null) continue;
    const sides = [["push", "push_msgs_per_s"]];
    if (avg(t, "pop_msgs_per_s") > 0) sides.push(["pop", "pop_msgs_per_s"]);
    for (const [side, f] of sides) {
      const ratio = avg(rs, f) / avg(t, f);
      targets.push(`| ${p} partitions, ${m}: ${side} >= ${bound.toFixed(2)}x the trigger | ${ratio.toFixed(2)}x | ${ratio >= bound ? "met" : "**not met**"} |`);
    }
  }
}
if (targets.length) {
  console.log("");
  console.log("Against issue 16 targets (this run):");
  console.log("");
  console.log("| target | this run | |");
  console.log("|---|---|---|");
  targets.forEach(l => console.log(l));
}' "$results" | tee "$OUT/pushpop.md"
