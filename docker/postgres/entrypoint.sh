#!/bin/sh
# First start: initdb with the password from POSTGRES_PASSWORD_FILE (or POSTGRES_PASSWORD), create
# POSTGRES_DB, run /docker-entrypoint-initdb.d/*.sql in it; then the server in the foreground with the
# command's options (`postgres -c wal_level=logical …`), listening on every address.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile="$(mktemp)"
  if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then cat "$POSTGRES_PASSWORD_FILE" > "$pwfile";
  elif [ -n "${POSTGRES_PASSWORD:-}" ]; then printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile";
  else echo "entrypoint: set POSTGRES_PASSWORD_FILE or POSTGRES_PASSWORD" >&2; exit 1; fi
  initdb -D "$PGDATA" -U "$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >/dev/null
  rm -f "$pwfile"
  echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
  echo "host replication all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/var/run/postgresql" -w start >/dev/null
  [ "$db" = postgres ] || createdb -h /var/run/postgresql -U "$user" "$db"
  for f in /docker-entrypoint-initdb.d/*.sql; do
    [ -e "$f" ] || continue
    echo "entrypoint: running $f"
    psql -h /var/run/postgresql -U "$user" -d "$db" -v ON_ERROR_STOP=1 -q -f "$f"
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
fi
[ "${1:-postgres}" = postgres ] && shift || true
exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/var/run/postgresql "$@"
