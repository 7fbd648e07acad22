#!/usr/bin/env bash
# The server's `openai` backend against a real third-party OpenAI-compatible server: the LiteLLM proxy (from
# PyPI, pinned, in a virtual environment of its own) with canned models (scripts/litellm/config.yaml), on
# loopback. Checks a normal, a streamed and a `length` answer, a tool call with content null (raw and through the
# OpenAI SDK, with the tool's result sent back), an unknown model, a wrong upstream key, slow headers, a stall
# mid-stream, an error from the upstream, its model list, more concurrent streams than the HTTP client's old pool
# of 8, a client that leaves a silent stream (LiteLLM must see the cancellation within a second), and the
# upstream down.
# Usage: scripts/check-litellm.sh BIN_DIR (holding the `server` binary). Bounded: about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$1
venv=${LITELLM_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/ai-worker-litellm-1.108.7}
if [ ! -x "$venv/bin/litellm" ]; then
  python3 -m venv "$venv" 2>/dev/null || { apt-get update -qq && apt-get install -y -qq python3-venv && python3 -m venv "$venv"; }
  "$venv/bin/pip" install -q 'litellm[proxy]==1.108.7'
fi
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
master="sk-litellm-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
upstream_port=$(free_port)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
export STALL_CANCELLED_FILE="$work/stall-cancelled"
(cd scripts/litellm && LITELLM_MASTER_KEY=$master LITELLM_LOCAL_MODEL_COST_MAP=True STALL_SECONDS=10 \
  exec "$venv/bin/litellm" --config config.yaml --host 127.0.0.1 --port "$upstream_port") >"$work/litellm.log" 2>&1 &
litellm_pid=$!
pids+=("$litellm_pid")
for _ in $(seq 1 120); do curl -s -o /dev/null "http://127.0.0.1:$upstream_port/health/liveliness" && break; sleep 0.5; done
curl -s -o /dev/null "http://127.0.0.1:$upstream_port/health/liveliness" || { echo "LiteLLM did not start:"; tail -30 "$work/litellm.log"; exit 1; }

start() { # name, upstream key: prints the server's base URL
  local port; port=$(free_port)
  HTTP_PORT=$port DATABASE_PATH="$work/$1.sqlite" JWT_SECRET=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))') BCRYPT_COST=10 \
    RATE_LIMIT_AUTH_PER_MINUTE=0 RATE_LIMIT_CHAT_PER_MINUTE=0 MODEL_BACKEND=openai MODEL_NAME=mock-model \
    OPENAI_BASE_URL="http://127.0.0.1:$upstream_port/v1" OPENAI_API_KEY="$2" UPSTREAM_TIMEOUT=4 UPSTREAM_IDLE_TIMEOUT=2 \
    "$bin/server" >"$work/$1.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.1; done
  echo "http://127.0.0.1:$port"
}
good=$(start good "$master")
wrong=$(start wrong "sk-wrong-upstream-key-0123456789")
status=0
python3 scripts/litellm/check.py "$good" "$wrong" "$master" "$litellm_pid" || status=1
if grep -l -e "$master" -e "sk-wrong-upstream-key" "$work"/good.log "$work"/wrong.log; then
  echo "an upstream key appears in the server's log"; status=1
fi
[ "$status" -eq 0 ] || { echo "server log:"; tail -30 "$work/good.log"; }
exit "$status"
