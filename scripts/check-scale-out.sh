#!/usr/bin/env bash
# Two instances of the installed server on one PostgreSQL database, behind nginx (round robin, loopback), checked
# by the installed specrunner: every scenario and the stateful fuzz pass go through the balancer, so consecutive
# requests of one scenario land on different instances, and a plain fuzz pass goes to one instance. Then the faults: PostgreSQL down for a while as both serve,
# and one instance SIGKILLed during a write burst (scripts/scale-out/faults.py).
#
#   scripts/check-scale-out.sh BIN_DIR POSTGRES_URL
#
# BIN_DIR holds `server` and `specrunner`; POSTGRES_URL is a server scripts/postgres.sh started (a database named
# scale_out is made there). nginx is installed from Debian when missing. Everything listens on 127.0.0.1 only and
# is stopped at the end.
set -euo pipefail
bin="$1"
admin_url="$2"
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

command -v nginx >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq nginx-light >/dev/null; }
command -v psql >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq postgresql-client >/dev/null; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

psql "$admin_url" -qc "DROP DATABASE IF EXISTS scale_out" -c "CREATE DATABASE scale_out"
database_url="${admin_url%/*}/scale_out?sslmode=disable"
secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
ports=()

start_instance() { # NAME PORT
  DATABASE_URL="$database_url" DATABASE_TIMEOUT=2 HTTP_PORT="$2" JWT_SECRET="$secret" BCRYPT_COST=10 PASSWORD_HASH_MAX_WAIT=60 PASSWORD_HASH_NICE=0 \
    RATE_LIMIT_AUTH_PER_MINUTE=0 RATE_LIMIT_CHAT_PER_MINUTE=0 RATE_LIMIT_AUTH_FAILURES_PER_MINUTE=0 TRUSTED_PROXIES=127.0.0.1 \
    LOG_FORMAT=json "$bin/server" >>"$work/$1.log" 2>&1 &
  pids+=($!)
  echo $! >"$work/$1.pid"
}
wait_ready() { # URL
  for _ in $(seq 1 100); do
    if curl -sf -o /dev/null "$1/ready"; then return 0; fi
    sleep 0.2
  done
  echo "not ready: $1"; cat "$work"/*.log; return 1
}

for name in a b; do
  port=$(free_port); ports+=("$port")
  start_instance "$name" "$port"
  echo "$port" >"$work/$name.port"
done
for port in "${ports[@]}"; do wait_ready "http://127.0.0.1:$port"; done

balancer=$(free_port)
# nginx's workers run as an unprivileged user: they read the config and write temporary files here.
chmod 755 "$work"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  log_format upstream '\$upstream_addr \$status \$request_method \$uri';
  access_log $work/nginx-access.log upstream;
  client_body_temp_path $work/body;
  proxy_temp_path $work/proxy;
  fastcgi_temp_path $work/fastcgi;
  uwsgi_temp_path $work/uwsgi;
  scgi_temp_path $work/scgi;
  # nginx closes a client's keep-alive connection after 1,000 requests by default; a runner whose next request is
  # already on its way then meets a closed connection (seen once in the stateful fuzz pass), which says nothing about
  # the instances behind. Connections stay open for the whole run instead.
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  upstream instances {
    server 127.0.0.1:${ports[0]} max_fails=0;
    server 127.0.0.1:${ports[1]} max_fails=0;
  }
  server {
    listen 127.0.0.1:$balancer;
    # The instances judge bodies (413 past HTTP_MAX_BODY_BYTES): nginx streams them through, unbuffered.
    client_max_body_size 0;
    client_body_buffer_size 4m;
    location / {
      proxy_request_buffering off;
      proxy_pass http://instances;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_buffering off;
      proxy_next_upstream off;
    }
  }
}
CONF
nginx -c "$work/nginx.conf"
base="http://127.0.0.1:$balancer"
wait_ready "$base"
echo "two instances (${ports[*]}) behind nginx at $base, on $database_url"

status=0
# Every scenario but `operations` goes through the balancer. `operations` checks that /metrics counts the requests
# the scenario just made, and each instance counts its own (Prometheus scrapes each one), so it runs against one
# instance directly.
mkdir -p "$work/scenarios"
find "$repo/spec/scenarios" -maxdepth 1 -name '*.yaml' ! -name operations.yaml -exec cp {} "$work/scenarios/" \;
"$bin/specrunner" --base-url "$base" --scenarios "$work/scenarios" --var jwtSecret="$secret" \
  --report junit="$repo/reports/scale-out.junit.xml" || status=1
"$bin/specrunner" --base-url "http://127.0.0.1:${ports[0]}" --filter operations --var jwtSecret="$secret" || status=1
"$bin/specrunner" fuzz --stateful --base-url "$base" --seed 20261202 --count 200 --duration 120 \
  --save-failures "$repo/reports/scale-out-fuzz-findings" || status=1
# The plain fuzz pass on PostgreSQL too: its odd strings (a NUL in a key id, a cursor, a name, an email) meet
# PostgreSQL's text rules. Against one instance directly: nginx itself refuses TRACE and a %00 in a path.
"$bin/specrunner" fuzz --base-url "http://127.0.0.1:${ports[0]}" --seed 20261206 --count 1000 --duration 120 --exclude logout --exclude revokeAllSessions \
  --save-failures "$repo/reports/scale-out-fuzz-findings" || status=1

# Both instances served: the access log names the upstream of every request.
for port in "${ports[@]}"; do
  served=$(grep -c "^127.0.0.1:$port " "$work/nginx-access.log" || true)
  echo "the instance on port $port served $served requests through the balancer"
  [ "$served" -gt 100 ] || { echo "the balancer did not spread the run over both instances"; status=1; }
done

WORK="$work" BASE="$base" A_PORT="${ports[0]}" B_PORT="${ports[1]}" SERVER_BIN="$bin/server" DATABASE_URL="$database_url" \
  JWT_SECRET="$secret" POSTGRES_SCRIPT="$repo/scripts/postgres.sh" python3 "$repo/scripts/scale-out/faults.py" || status=1

if [ "$status" -ne 0 ]; then
  echo "== instance logs (last lines) =="; tail -n 40 "$work"/a.log "$work"/b.log "$work/nginx-error.log" || true
fi
exit "$status"
