#!/usr/bin/env bash
# Load benchmark of a release build on 127.0.0.1 with wrk (installed from Debian when missing). Prints Markdown
# tables and the ratios between routes measured in the same run: this machine is noisy, so compare ratios, not
# absolute figures. Rows:
#   - the floor: bare Hummingbird (`bench-floor`) doing the least the same routes need, GET /health and POST /echo
#     (decodes the chat body, answers one JSON field), and POST /stacked/echo (the same in the framework shape of the
#     server's chat route: five middleware that do nothing and a child context), before and after the server's
#     rows: every ratio is also given over it, "ours / the framework's floor for the same work";
#   - /health, and chat (mock backend, no delay) with X-API-Key, a Bearer JWT and an API key as Bearer, with the
#     rate limits off and logs quiet;
#   - the same chat rows with the production defaults (rate limits on with a capacity the load does not reach,
#     LOG_LEVEL=info, LOG_FORMAT=json);
#   - a login storm: 10 logins/s at the default bcrypt cost during a chat load, against the same load without it;
#   - memory: the server's RSS after start and after 1, 2 and 3 million chat requests;
#   - start-up: from launch to the first answered request;
#   - `specrunner bench` on the chat-load scenario, beside wrk's figures for the same routes.
# Bounded: each load lasts DURATION seconds (default 10); MILLIONS (default 3) sets the memory run's length.
set -euo pipefail
cd "$(dirname "$0")/.."
millions=${MILLIONS:-3}
swift build -c release --product specrunner >/dev/null
swift build -c release --product bench-floor >/dev/null
source scripts/bench-lib.sh

# floor NAME: the floor's three routes, one load each (rows floor-health-NAME, floor-echo-NAME and
# floor-stacked-NAME); the server's $pid and $base are kept.
floor() {
  local server_pid=$pid port; port=$(free_port)
  "$bin/bench-floor" "$port" >"$work/floor.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  until curl -s -o /dev/null "http://127.0.0.1:$port/health"; do sleep 0.005; done
  chat_script "$work/echo.lua" X-Bench floor
  load "floor-health-$1" "http://127.0.0.1:$port/health"
  load "floor-echo-$1" "http://127.0.0.1:$port/echo" "$work/echo.lua"
  load "floor-stacked-$1" "http://127.0.0.1:$port/stacked/echo" "$work/echo.lua"
  kill "$pid"
  pid=$server_pid
}

echo "Release build; wrk -t2 -c$connections -d${duration}s on 127.0.0.1; $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)."
quiet=(BCRYPT_COST=10 RATE_LIMIT_AUTH_PER_MINUTE=0 RATE_LIMIT_CHAT_PER_MINUTE=0 RATE_LIMIT_AUTH_FAILURES_PER_MINUTE=0 LOG_LEVEL=error)
start quiet "${quiet[@]}"
echo
echo "Start-up to the first answered request: ${startup} ms; RSS after start: $(rss) MiB."
credentials
header "Rate limits off, LOG_LEVEL=error; the floor before and after"
floor before
chat_rows ""
floor after

# The chat limit at its largest (a million a minute per user and per key): on, but not reached by a 10 s load.
start production RATE_LIMIT_CHAT_PER_MINUTE=1000000 LOG_LEVEL=info LOG_FORMAT=json
credentials
header "Production defaults (rate limits on, capacity not reached; LOG_LEVEL=info, LOG_FORMAT=json; logs to a file)"
chat_rows "-production"

header "Login storm (production server, BCRYPT_COST default 12)"
load "chat-key-calm" "$base/chat/completions" "$work/key.lua"
storm
echo
echo "Logins during the storm: $(cat "$work/storm.txt")"

start memory "${quiet[@]}"
credentials
echo
echo "Memory over ${millions} million chat requests (X-API-Key; RSS MiB after each million)"
echo
line="| $(rss) |"
chat_script "$work/million.lua" X-API-Key "$key"
sent=0
for m in $(seq 1 "$millions"); do
  # 10 s loads until this million is reached (wrk counts what it sent; it cannot stop at a count by itself).
  while [ "$sent" -lt $((m * 1000000)) ]; do
    out=$(wrk -t2 -c"$connections" -d10s -s "$work/million.lua" "$base/chat/completions" 2>>"$work/million.err")
    sent=$((sent + $(awk '/requests in/ { print $1 }' <<<"$out")))
  done
  line="$line $(rss) |"
done
echo "| after start | $(seq -s ' | ' 1 "$millions" | sed 's/\([0-9]\+\)/after \1 M/g') |"
echo "|---$(printf '|---%.0s' $(seq 1 "$millions"))|"
echo "$line"
echo "($sent requests; non-200 answers during the memory run: $(grep -c '^status' "$work/million.err" || true))"

echo
echo "specrunner bench, chat-load scenario, $connections users for ${duration}s, against the quiet server:"
# Every user registers at once in its set-up: the hash queue is made long enough for all of them.
start bench "${quiet[@]}" PASSWORD_HASH_QUEUE=1000 PASSWORD_HASH_MAX_WAIT=60
"$bin/specrunner" bench --base-url "$base" --scenario chat-load --once 2 --connections "$connections" --duration "$duration" 2>&1 \
  | sed 's/^/    /' || echo "    (specrunner bench reported errors)"

echo
python3 - "$work" <<'PY'
import pathlib, sys
work = pathlib.Path(sys.argv[1])
value = lambda name, kind: float((work / f"{name}.{kind}").read_text())
print("Ratios in this run (requests/s of chat over /health; p99 of chat over /health's):")
for suffix, label in (("", "quiet"), ("-production", "production defaults")):
    health, health_p99 = value("health" + suffix, "rps"), value("health" + suffix, "p99")
    for route in ("chat-key", "chat-jwt", "chat-key-as-bearer"):
        print(f"  {label:20} {route:20} {value(route + suffix, 'rps') / health:.2f}  p99 {value(route + suffix, 'p99') / health_p99:.2f}")
# The floor's figures: the mean of its loads before and after the server's quiet rows.
floor = lambda route, kind: (value(f"floor-{route}-before", kind) + value(f"floor-{route}-after", kind)) / 2
print()
print("Over the floor (requests/s of ours over bare Hummingbird's for the same work: /health over its GET /health,")
print("chat over its POST /echo; p99 likewise; then the CPU time a request costs, ours over the floor's, with the")
print("microseconds ours spends beyond it; the floor's figures are the mean of its loads before and after):")
for suffix, label in (("", "quiet"), ("-production", "production defaults")):
    for route, work_ in (("health", "health"), ("chat-key", "echo"), ("chat-jwt", "echo"), ("chat-key-as-bearer", "echo")):
        ours_cpu, floor_cpu = value(route + suffix, "cpu"), floor(work_, "cpu")
        print(f"  {label:20} {route:20} {value(route + suffix, 'rps') / floor(work_, 'rps'):.2f}  p99 {value(route + suffix, 'p99') / floor(work_, 'p99'):.2f}"
              f"  CPU/request {ours_cpu / floor_cpu:.2f} (+{ours_cpu - floor_cpu:.1f} µs)")
print(f"  the framework's shape alone: POST /stacked/echo over POST /echo {floor('stacked', 'rps') / floor('echo', 'rps'):.2f}"
      f"  CPU/request {floor('stacked', 'cpu') / floor('echo', 'cpu'):.2f} (+{floor('stacked', 'cpu') - floor('echo', 'cpu'):.1f} µs)")
calm, stormy = value("chat-key-calm", "rps"), value("chat-key-storm", "rps")
print(f"  storm: chat throughput {stormy / calm:.2f} of calm, chat p99 {value('chat-key-storm', 'p99') / value('chat-key-calm', 'p99'):.2f} of calm")
PY
