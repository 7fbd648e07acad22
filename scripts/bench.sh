#!/usr/bin/env bash
# Load benchmark of a release build on loopback with wrk: liveness, chat with an API key (mock backend, no
# delay), and login (bcrypt-bound). Prints a Markdown table with requests per second, latency and the
# server's memory, and the ratios between the routes measured in the same run (this machine is noisy; compare
# ratios, not absolute figures). Bounded: each load lasts DURATION seconds (default 10) against 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${DURATION:-10}
command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
swift build -c release --product server >/dev/null
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
HTTP_PORT=$port DATABASE_PATH="$work/bench.sqlite" JWT_SECRET=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))') \
  BCRYPT_COST=10 RATE_LIMIT_AUTH_PER_MINUTE=0 RATE_LIMIT_CHAT_PER_MINUTE=0 LOGIN_LOCKOUT_FAILURES=1000 LOG_LEVEL=error \
  "$bin/server" >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.2; done
base="http://127.0.0.1:$port"
token=$(curl -s -X POST "$base/register" -H 'Content-Type: application/json' -d '{"email":"bench@example.com","password":"bench password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
key=$(curl -s -X POST "$base/api-keys/create" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{"name":"bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
post() { # body, header
  cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$1'
wrk.headers["Content-Type"] = "application/json"
$2
LUA
}
rss() { awk '/VmRSS/ { print $2 / 1024 }' /proc/$pid/status; }
run() { # name, url, lua
  local out
  out=$(wrk -t2 -c32 -d"${duration}s" --latency ${3:+-s "$3"} "$2")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
  p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
  printf '| %s | %s | %s | %s | %.0f |\n' "$1" "$rps" "$p50" "$p99" "$(rss)"
  echo "$rps" >"$work/$1.rps"
}
echo "Release build, wrk -t2 -c32 -d${duration}s on 127.0.0.1, $(nproc) cores; memory is the server's RSS after each load."
echo
echo "| route | requests/s | p50 | p99 | RSS MiB |"
echo "|---|---|---|---|---|"
printf '| (idle) | | | | %.0f |\n' "$(rss)"
run health "$base/health"
post '{"messages":[{"role":"user","content":"Hello there"}]}' "wrk.headers[\"X-API-Key\"] = \"$key\""
run chat "$base/chat/completions" "$work/post.lua"
post '{"email":"bench@example.com","password":"bench password"}' ""
run login "$base/login" "$work/post.lua"
echo
python3 - "$work" <<'PY'
import sys, pathlib
work = pathlib.Path(sys.argv[1])
rps = {name: float((work / f"{name}.rps").read_text()) for name in ("health", "chat", "login")}
print(f"Ratios in this run: chat/health {rps['chat'] / rps['health']:.2f}, login/health {rps['login'] / rps['health']:.3f}")
PY
