#!/usr/bin/env bash
# What PASSWORD_HASH_NICE trades (#27), on a release build on 127.0.0.1, for each of NICE_VALUES (default "10 5 0"):
#   - a login storm (10 logins/s at the default bcrypt cost, 12) during a chat load, against the same load without
#     it: chat keeps its throughput and p99 when hashing yields the CPU (the goal: at least 80% of calm, p99 at most 2x);
#   - a registration and a login on a machine busy with other work (two CPU hogs from stress-ng beside the server,
#     nothing else): how long one person waits when hashing yields to everything else (the goal: a few seconds).
# Bounded: each load lasts DURATION seconds (default 10); the hogs stop with the script.
set -euo pipefail
cd "$(dirname "$0")/.."
nice_values=${NICE_VALUES:-10 5 0}
source scripts/bench-lib.sh
command -v stress-ng >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq stress-ng >/dev/null; }

echo "Release build; wrk -t2 -c$connections -d${duration}s on 127.0.0.1; $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)."
summary=()
for nice in $nice_values; do
  start "nice$nice" RATE_LIMIT_CHAT_PER_MINUTE=1000000 LOG_LEVEL=info LOG_FORMAT=json PASSWORD_HASH_NICE="$nice"
  credentials
  chat_script "$work/key.lua" X-API-Key "$key"
  header "PASSWORD_HASH_NICE=$nice: a login storm during a chat load"
  load "chat-key-calm" "$base/chat/completions" "$work/key.lua"
  storm
  echo
  echo "Logins during the storm: $(cat "$work/storm.txt")"
  ratios=$(python3 - "$work" <<'PY'
import sys
value = lambda name, kind: float(open(f"{sys.argv[1]}/{name}.{kind}").read())
rps = value("chat-key-storm", "rps") / value("chat-key-calm", "rps")
p99 = value("chat-key-storm", "p99") / value("chat-key-calm", "p99")
print(f"chat throughput {rps:.2f} of calm, p99 {p99:.2f} of calm")
PY
)
  # One person beside two CPU hogs (and nothing else): a registration, then a login.
  stress-ng --cpu 2 --timeout $((duration * 3))s >/dev/null 2>&1 &
  hogs=$!
  sleep 1
  timed() { curl -s -o /dev/null -w '%{http_code} in %{time_total} s' -X POST "$base/$1" -H 'Content-Type: application/json' \
    -d "{\"email\":\"busy-$nice@example.com\",\"password\":\"a busy machine\"}"; }
  busy="register $(timed register), login $(timed login)"
  kill "$hogs" 2>/dev/null || true
  wait "$hogs" 2>/dev/null || true
  echo "Beside two CPU hogs: $busy"
  summary+=("  nice $nice: storm: $ratios; beside two hogs: $busy")
  kill "$pid"
done
echo
echo "Summary:"
printf '%s\n' "${summary[@]}"
