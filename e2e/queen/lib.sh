# Shared steps of the Queen end-to-end scripts (sourced, not run). Expects: top and here (the
# repository and this folder). Every process it starts is stopped by e2e_cleanup.

QUEEN_SRC=${QUEEN_SRC:-$top/../shared/queen-0.6.9}
BUILD=${E2E_BUILD_DIR:-$top/build}
OUT=$BUILD/e2e
mkdir -p "$OUT"
per_test_timeout=${per_test_timeout:-120}

E2E_PIDS=()
PG_DATA=""
PG_BIN_DIR=""
QUEEN_PORT=6632   # the client tests hard-code http://localhost:6632

e2e_log() { echo "[e2e] $*" >&2; }

# The clean-up on exit, then what every script needs built (the sidecar unless told "no-sidecar").
e2e_prepare() {
  trap e2e_cleanup EXIT
  e2e_build_queen
  [ "${1:-}" = no-sidecar ] || e2e_build_sidecar
}

e2e_as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

e2e_build_queen() {
  local server=$BUILD/queen/server/bin/queen-server
  if [ ! -x "$server" ]; then
    [ -d "$QUEEN_SRC/server" ] || { e2e_log "no Queen sources at $QUEEN_SRC (set QUEEN_SRC)"; exit 2; }
    e2e_log "building Queen's server from $QUEEN_SRC into $BUILD/queen (about 90 s)"
    rm -rf "$BUILD/queen"
    cp -r "$QUEEN_SRC" "$BUILD/queen"
    chmod -R u+w "$BUILD/queen"
    make -C "$BUILD/queen/server" -j2 build-only >"$OUT/queen-build.log" 2>&1 \
      || { e2e_log "Queen's build failed: see $OUT/queen-build.log"; exit 2; }
  fi
  if [ ! -d "$BUILD/queen/client-js/node_modules" ]; then
    e2e_log "installing the client's packages (npm ci)"
    (cd "$BUILD/queen/client-js" && npm ci --no-audit --no-fund >"$OUT/npm.log" 2>&1) \
      || { e2e_log "npm ci failed: see $OUT/npm.log"; exit 2; }
  fi
  cp "$here/list-tests.mjs" "$BUILD/queen/client-js/test-v2/list-tests.mjs"
}

e2e_build_sidecar() {
  local jar=$top/target/lookupkeeper.jar
  if [ ! -f "$jar" ] || [ -n "$(find "$top/src/main" "$top/sql" "$top/pom.xml" -newer "$jar" -type f 2>/dev/null | head -1)" ]; then
    e2e_log "packaging target/lookupkeeper.jar"
    (cd "$top" && mvn -B -q ${E2E_MVN_FLAGS:-} -DskipTests package) >"$OUT/package.log" 2>&1 \
      || { e2e_log "mvn package failed: see $OUT/package.log"; exit 2; }
  fi
  cp "$jar" "$OUT/lookupkeeper.jar"
}

e2e_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
    || echo $((20000 + RANDOM % 20000))
}

e2e_start_postgres() {
  if [ -n "${PG_BIN:-}" ]; then PG_BIN_DIR=$PG_BIN; else PG_BIN_DIR=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1); fi
  [ -x "$PG_BIN_DIR/initdb" ] || { e2e_log "no PostgreSQL binaries (set PG_BIN)"; exit 2; }
  PG_DATA=$(mktemp -d /tmp/lk-e2e-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DATA"
  PG_PORT_NUM=$(e2e_free_port)
  e2e_as_postgres "$PG_BIN_DIR/initdb" -D "$PG_DATA/data" -U postgres --auth=trust >"$OUT/initdb.log" 2>&1 \
    || { e2e_log "initdb failed: see $OUT/initdb.log"; exit 2; }
  cat >>"$PG_DATA/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT_NUM
unix_socket_directories = '$PG_DATA'
wal_level = logical
max_connections = 400
max_wal_senders = 10
max_replication_slots = 10
shared_buffers = 256MB
EOF
  e2e_as_postgres "$PG_BIN_DIR/pg_ctl" -D "$PG_DATA/data" -l "$PG_DATA/server.log" -w -t 60 start >/dev/null \
    || { e2e_log "PostgreSQL did not start: see $PG_DATA/server.log"; exit 2; }
  export PGHOST=127.0.0.1 PGPORT=$PG_PORT_NUM PGUSER=postgres PGDATABASE=postgres
  export PG_HOST=127.0.0.1 PG_PORT=$PG_PORT_NUM PG_USER=postgres PG_PASSWORD=postgres PG_DB=postgres
  e2e_log "PostgreSQL $("$PG_BIN_DIR/postgres" --version | awk '{print $3}') on port $PG_PORT_NUM ($PG_DATA)"
}

e2e_psql() { "$PG_BIN_DIR/psql" -X -q -v ON_ERROR_STOP=1 -At "$@"; }

e2e_start_queen() {
  if curl -fs "http://localhost:$QUEEN_PORT/health" >/dev/null 2>&1; then
    e2e_log "something already answers on port $QUEEN_PORT: stop it first"; exit 2
  fi
  # a fresh file buffer: the server replays whatever an earlier run left there
  rm -rf "$OUT/buffers" && mkdir -p "$OUT/buffers"
  # E2E_QUEEN_WORKERS: the server's NUM_WORKERS (its default 10). Each push runs on one worker
  # thread from its statement to its commit, so the workers bound how many pushes are in flight
  (cd "$BUILD/queen/server" && PORT=$QUEEN_PORT FILE_BUFFER_DIR="$OUT/buffers" LOG_FORMAT=text \
    exec env ${E2E_QUEEN_WORKERS:+NUM_WORKERS=$E2E_QUEEN_WORKERS} ./bin/queen-server >"$OUT/queen-server.log" 2>&1) &
  E2E_PIDS+=($!)
  QUEEN_PID=$!
  for _ in $(seq 1 120); do
    if curl -fs "http://localhost:$QUEEN_PORT/health" >/dev/null 2>&1; then
      e2e_log "Queen's server up (pid $QUEEN_PID)"
      return 0
    fi
    kill -0 "$QUEEN_PID" 2>/dev/null || break
    sleep 0.5
  done
  e2e_log "Queen's server did not answer /health: see $OUT/queen-server.log"; exit 2
}

# a copy of the jar: a `mvn package` during a run must not pull it from under the sidecar
# Restarts Queen's server (it re-creates its trigger at every start).
e2e_restart_queen() {
  kill -TERM "$QUEEN_PID" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$QUEEN_PID" 2>/dev/null || break; sleep 0.25; done
  kill -KILL "$QUEEN_PID" 2>/dev/null || true
  e2e_start_queen
}

e2e_lookupkeeper() { java ${E2E_JAVA_OPTS:-} -jar "$OUT/lookupkeeper.jar" "$@"; }

# Starts `lookupkeeper run` with the given consistency and moves the database to CDC mode the way an
# operator would: `install` adopts the database Queen's own trigger keeps as trigger mode, `run`
# starts, `switch --to cdc` moves over under load (the queue's trigger dropped at its last step),
# and --drop-queue-trigger drops it again whenever a restart of the server re-creates it.
e2e_start_sidecar() {
  local consistency=$1 log=$OUT/sidecar-$1.log
  e2e_lookupkeeper install --consistency "$consistency" >"$OUT/install.log" 2>&1 \
    || { e2e_log "install failed: see $OUT/install.log"; cat "$OUT/install.log" >&2; exit 2; }
  # exec: $! is the JVM itself, so the clean-up's SIGTERM reaches it
  # shellcheck disable=SC2086 # E2E_SIDECAR_ARGS: extra `run` options, split on spaces
  # E2E_SIDECAR_SOCKET=unix: the sidecar's `run` reaches PostgreSQL through its Unix-domain socket (PGHOST
  # naming the socket directory), as a sidecar on the database's host would
  local via=$PGHOST
  [ "${E2E_SIDECAR_SOCKET:-tcp}" = unix ] && via=$PG_DATA
  (PGHOST=$via exec java ${E2E_JAVA_OPTS:-} -jar "$OUT/lookupkeeper.jar" run --consistency "$consistency" --drop-queue-trigger --http-port 0 \
    ${E2E_SIDECAR_ARGS:-} >"$log" 2>&1) &
  E2E_PIDS+=($!)
  SIDECAR_PID=$!
  # E2E_SIDECAR_NICE: the sidecar's scheduling priority (e.g. -5), as a deployment that reserves it CPU
  [ -z "${E2E_SIDECAR_NICE:-}" ] || renice -n "$E2E_SIDECAR_NICE" -p "$SIDECAR_PID" >/dev/null
  e2e_await_log "$log" "streaming from slot|mode: trigger" || { e2e_log "lookupkeeper did not start: see $log"; tail -20 "$log" >&2; exit 2; }
  if grep -q "adopted as trigger mode" "$OUT/install.log"; then
    e2e_log "install adopted Queen's trigger as trigger mode: switching to CDC"
    e2e_lookupkeeper switch --to cdc >"$OUT/switch.log" 2>&1 || { e2e_log "switch --to cdc failed: see $OUT/switch.log"; cat "$OUT/switch.log" >&2; exit 2; }
  fi
  e2e_await_log "$log" "streaming from slot" || { e2e_log "lookupkeeper did not start streaming: see $log"; tail -20 "$log" >&2; exit 2; }
  if [ "$consistency" = strict ]; then
    e2e_await_log "$log" "strict consistency in effect" || { e2e_log "strict consistency did not take effect: see $log"; exit 2; }
    if grep -q "synchronous_commit = remote_apply: done" "$OUT/install.log"; then
      # install set the queue's sessions to remote_apply for new connections: the server's pool
      # reconnects when it restarts, as an operator would restart it
      e2e_log "the queue's sessions commit at remote_apply from their next connection: restarting Queen's server"
      local drops_before
      drops_before=$(grep -ac "dropped the queue's trigger" "$log" || true)
      e2e_restart_queen
      for _ in $(seq 1 40); do
        [ "$(grep -ac "dropped the queue's trigger" "$log" || true)" -gt "$drops_before" ] \
          && [ "$(e2e_psql -c "SELECT count(*) FROM pg_trigger WHERE tgname = 'trg_update_partition_lookup'")" = 0 ] && break
        sleep 0.5
      done
    fi
  fi
  e2e_log "lookupkeeper streaming, $consistency consistency (pid $SIDECAR_PID)"
}

e2e_await_log() {
  local log=$1 pattern=$2
  for _ in $(seq 1 240); do
    grep -Eq "$pattern" "$log" && return 0
    kill -0 "$SIDECAR_PID" 2>/dev/null || return 1
    sleep 0.5
  done
  return 1
}

# Runs one client test in its own process; prints pass, fail or timeout.
e2e_run_one() {
  local t=$1 log rc=0
  mkdir -p "$OUT/logs"
  log=$OUT/logs/$mode-run$run-$t.log
  (cd "$BUILD/queen/client-js" && timeout --kill-after=5 "$per_test_timeout" node test-v2/run.js "$t") >"$log" 2>&1 || rc=$?
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    echo timeout
  elif grep -q "Overall Results: 1/1 tests passed" "$log"; then
    echo pass
  else
    echo fail
  fi
}

e2e_cleanup() {
  local pid
  for pid in "${E2E_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${E2E_PIDS[@]}"; do
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ -n "$PG_DATA" ] && [ -d "$PG_DATA/data" ]; then
    e2e_as_postgres "$PG_BIN_DIR/pg_ctl" -D "$PG_DATA/data" -m fast -w stop >/dev/null 2>&1 || true
    [ -n "${E2E_KEEP:-}" ] || rm -rf "$PG_DATA"
  fi
}
