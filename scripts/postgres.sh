#!/usr/bin/env bash
# A throwaway PostgreSQL on loopback, for development and CI: `scripts/postgres.sh start [PORT]` makes a new data
# directory, starts the server on 127.0.0.1:PORT (5433 unless given) and prints the DATABASE_URL to use;
# `scripts/postgres.sh stop` stops it and removes the data. `scripts/postgres.sh restart [SECONDS]` stops it, waits
# SECONDS (0 unless given) and starts it again on the same data and port (the fault checks use it). Uses the PostgreSQL binaries on PATH or under /usr/local/bin and /usr/lib/postgresql/*/bin,
# installing Debian's `postgresql` package when there are none. As root, the server runs as the `postgres` user.
set -euo pipefail
state=${PGSTATE:-${TMPDIR:-/tmp}/ai-worker-postgres}
command="${1:-start}"
port="${2:-5433}"

find_bin() {
  for dir in "$(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/x)")" /usr/local/bin /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  done
}
bin=$(find_bin || true)
if [ -z "$bin" ]; then
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
  bin=$(find_bin)
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$state" postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Starts the server on the data directory, on the port in $state/port.
serve() {
  # Throwaway data: durability is traded for speed (fsync off), which a real deployment must not do. A fast stop
  # (the restart above) still writes everything committed.
  as_owner "$bin/pg_ctl" -D "$state/data" -l "$state/server.log" -w \
    -o "-h 127.0.0.1 -p $(cat "$state/port") -k $state -c fsync=off -c max_connections=1000" start >/dev/null \
    || { cat "$state/server.log"; exit 1; }
}

case "$command" in
  start)
    if [ -f "$state/port" ] && as_owner "$bin/pg_ctl" -D "$state/data" status >/dev/null 2>&1; then
      echo "postgres://postgres@127.0.0.1:$(cat "$state/port")/postgres"; exit 0
    fi
    rm -rf "$state" && mkdir -p "$state"
    [ "$(id -u)" = 0 ] && { id postgres >/dev/null 2>&1 || useradd --system --home-dir "$state" postgres; chown postgres "$state"; }
    as_owner "$bin/initdb" -D "$state/data" -U postgres --auth=trust --no-instructions >"$state/initdb.log" 2>&1 \
      || { cat "$state/initdb.log"; exit 1; }
    echo "$port" >"$state/port"
    serve
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  restart)
    as_owner "$bin/pg_ctl" -D "$state/data" -m fast -w stop >/dev/null
    sleep "${2:-0}"
    serve
    ;;
  stop)
    [ -d "$state/data" ] && as_owner "$bin/pg_ctl" -D "$state/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$state"
    ;;
  *) echo "usage: $0 start [PORT] | restart [SECONDS] | stop" >&2; exit 2 ;;
esac
