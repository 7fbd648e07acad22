#!/usr/bin/env bash
# The web console in headless Chromium (scripts/check-console.py): starts the server binary given on a free
# loopback port with a fresh database and a mock model that streams slowly enough to watch (MOCK_DELAY_MS=4000),
# drives the console through register, keys, chat, stop, revoke and log-out, and writes screenshots of each state
# at desktop and phone width to reports/console/. Usage: scripts/check-console.sh SERVER_BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
server=${1:?usage: scripts/check-console.sh SERVER_BINARY}
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
HTTP_PORT=$port DATABASE_PATH="$work/console.sqlite" JWT_SECRET=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))') \
  BCRYPT_COST=10 MOCK_DELAY_MS=4000 "$server" >"$work/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.2; done
python3 scripts/check-console.py "http://127.0.0.1:$port" reports/console || { echo "server log:"; tail -20 "$work/server.log"; exit 1; }
