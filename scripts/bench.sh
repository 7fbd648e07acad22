#!/usr/bin/env bash
# Load benchmark of a release build on 127.0.0.1 with wrk (installed from Debian when missing). Prints Markdown
# tables and the ratios between routes measured in the same run: this machine is noisy, so compare ratios, not
# absolute figures. Rows:
#   - the floor: bare Hummingbird (`bench-floor`) doing the least the same routes need, GET /health and POST /echo
#     (decodes the chat body, answers one JSON field), loaded just before each of the server's quiet and production
#     rows: every ratio is also given over it, within the pair, "ours / the framework's floor for the same work",
#     and each row's CPU a request over the median of all the floor's loads of the same work (one pair's floor
#     can be an outlier); and its POST /stacked/echo (the same in the framework shape of the server's chat route: five middleware that
#     do nothing and a child context) beside its POST /echo;
#   - /health, and chat (mock backend, no delay) with X-API-Key, a Bearer JWT and an API key as Bearer, with the
#     rate limits off and logs quiet;
#   - the same chat rows with the production defaults (rate limits on with a capacity the load does not reach,
#     LOG_LEVEL=info, LOG_FORMAT=json);
#   - a login storm: 10 logins/s at the default bcrypt cost during a chat load, against the same load without it;
#   - memory: the server's RSS after start and after 1, 2 and 3 million chat requests;
#   - start-up: from launch to the first answered request;
#   - `specrunner bench` on the chat-load scenario, beside wrk's figures for the same routes.
# Bounded: each load lasts DURATION seconds (default 10); the pairs of the floor and the server run ROUNDS times
# (default 3), their ratios the median of the rounds'; MILLIONS (default 3) sets the memory run's length.
set -euo pipefail
cd "$(dirname "$0")/.."
millions=${MILLIONS:-3}
swift build -c release --product specrunner >/dev/null
swift build -c release --product bench-floor >/dev/null
source scripts/bench-lib.sh

# The floor runs beside the servers through the quiet and production sections, and each of the server's rows there is
# paired with the floor's load of the same work just before it (floor-for-ROW: its GET /health for /health, its
# POST /echo for chat); every ratio over the floor is taken within its pair. Loads of the floor alone, minutes apart,
# differ by up to a third on this machine: a pair is a minute apart at most, so the drift between loads mostly
# stays out of the ratio.
floor_port=$(free_port)
"$bin/bench-floor" "$floor_port" >"$work/floor.log" 2>&1 &
floor_pid=$!
pids+=("$floor_pid")
until curl -s -o /dev/null "http://127.0.0.1:$floor_port/health"; do sleep 0.005; done
floor_url="http://127.0.0.1:$floor_port"
chat_script "$work/echo.lua" X-Bench floor

# on_floor LOAD-ARGS...: one load of the floor (its CPU counted), the server's $pid kept.
on_floor() {
  local server_pid=$pid
  pid=$floor_pid
  load "$@"
  pid=$server_pid
}
# paired ROW URL [SCRIPT]: ROUNDS rounds (default 3) of the floor's load of the same work, then the server's, as rows
# ROW.1, floor-for-ROW.1, ...: the ratios over the floor are the median of the rounds' ratios, so that one load in a
# noisy spell (this machine's loads of one build move by a fifth) neither makes nor breaks a target.
rounds=${ROUNDS:-3}
paired() {
  local row=$1; shift
  for round in $(seq 1 "$rounds"); do
    if [ "${1##*/}" = health ]; then on_floor "floor-for-$row.$round" "$floor_url/health"; else on_floor "floor-for-$row.$round" "$floor_url/echo" "$work/echo.lua"; fi
    load "$row.$round" "$@"
  done
}
# server_rows SUFFIX: /health and chat with the key in X-API-Key, a session token and the key as Bearer, each paired.
server_rows() {
  chat_script "$work/key.lua" X-API-Key "$key"
  chat_script "$work/jwt.lua" Authorization "Bearer $token"
  chat_script "$work/bearer-key.lua" Authorization "Bearer $key"
  paired "health$1" "$base/health"
  paired "chat-key$1" "$base/chat/completions" "$work/key.lua"
  paired "chat-jwt$1" "$base/chat/completions" "$work/jwt.lua"
  paired "chat-key-as-bearer$1" "$base/chat/completions" "$work/bearer-key.lua"
}

echo "Release build; wrk -t2 -c$connections -d${duration}s on 127.0.0.1; $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)."
quiet=(BCRYPT_COST=10 RATE_LIMIT_AUTH_PER_MINUTE=0 RATE_LIMIT_CHAT_PER_MINUTE=0 RATE_LIMIT_AUTH_FAILURES_PER_MINUTE=0 LOG_LEVEL=error)
start quiet "${quiet[@]}"
echo
echo "Start-up to the first answered request: ${startup} ms; RSS after start: $(rss) MiB."
credentials
header "Rate limits off, LOG_LEVEL=error; each row after the floor's load of the same work"
server_rows ""
header "The framework's shape: the floor's POST /echo, then the same in the shape of the server's chat route"
on_floor floor-echo "$floor_url/echo" "$work/echo.lua"
on_floor floor-stacked "$floor_url/stacked/echo" "$work/echo.lua"

# The chat limit at its largest (a million a minute per user and per key): on, but not reached by a 10 s load.
start production RATE_LIMIT_CHAT_PER_MINUTE=1000000 LOG_LEVEL=info LOG_FORMAT=json
credentials
header "Production defaults (rate limits on, capacity not reached; LOG_LEVEL=info, LOG_FORMAT=json; logs to a file)"
server_rows "-production"
kill "$floor_pid"

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
python3 - "$work" "$rounds" <<'PY'
import pathlib, sys
from statistics import median
work, rounds = pathlib.Path(sys.argv[1]), range(1, int(sys.argv[2]) + 1)
value = lambda name, kind: float((work / f"{name}.{kind}").read_text())
# A paired row's figure: the median over its rounds.
paired = lambda name, kind: median(value(f"{name}.{r}", kind) for r in rounds)
# Ours over the floor within each round's pair, then the median over the rounds.
over_floor = lambda name, kind: median(value(f"{name}.{r}", kind) / value(f"floor-for-{name}.{r}", kind) for r in rounds)
routes = ("health", "chat-key", "chat-jwt", "chat-key-as-bearer")
sections = (("", "quiet"), ("-production", "production defaults"))
print(f"Ratios in this run (requests/s of chat over /health; p99 of chat over /health's; medians over the {len(rounds)} rounds):")
for suffix, label in sections:
    health, health_p99 = paired("health" + suffix, "rps"), paired("health" + suffix, "p99")
    for route in routes[1:]:
        print(f"  {label:20} {route:20} {paired(route + suffix, 'rps') / health:.2f}  p99 {paired(route + suffix, 'p99') / health_p99:.2f}")
print()
print("Over the floor (requests/s of ours over bare Hummingbird's for the same work, within each round's pair: /health")
print("over its GET /health, chat over its POST /echo; p99 likewise; then the CPU time a request costs, ours over the")
print(f"floor's, and the microseconds ours spends beyond it; each the median of the {len(rounds)} rounds, then the rounds' own):")
for suffix, label in sections:
    for route in routes:
        name = route + suffix
        beyond = [value(f"{name}.{r}", "cpu") - value(f"floor-for-{name}.{r}", "cpu") for r in rounds]
        each = " ".join(f"{value(f'{name}.{r}', 'rps') / value(f'floor-for-{name}.{r}', 'rps'):.2f}" for r in rounds)
        print(f"  {label:20} {route:20} {over_floor(name, 'rps'):.2f}  p99 {over_floor(name, 'p99'):.2f}"
              f"  CPU/request {over_floor(name, 'cpu'):.2f} (+{median(beyond):.1f} µs)  rounds: {each}")
# The floor's CPU a request moves from load to load more than the server's does (one pair's floor can be an outlier):
# each route is also set against the median of all the floor's loads of the same work in this run.
floor_loads = {
    "health": [value(f"floor-for-health{suffix}.{r}", "cpu") for suffix, _ in sections for r in rounds],
    "echo": [value("floor-echo", "cpu")] + [value(f"floor-for-{route}{suffix}.{r}", "cpu")
                                           for route in routes[1:] for suffix, _ in sections for r in rounds],
}
print(f"CPU a request (median of the rounds) over the median of the floor's loads of the same work ({len(floor_loads['health'])} of its GET /health,"
      f" median {median(floor_loads['health']):.1f} µs; {len(floor_loads['echo'])} of its POST /echo, median {median(floor_loads['echo']):.1f} µs):")
for suffix, label in sections:
    for route in routes:
        ours_cpu, floor_cpu = paired(route + suffix, "cpu"), median(floor_loads["health" if route == "health" else "echo"])
        print(f"  {label:20} {route:20} {ours_cpu / floor_cpu:.2f} (+{ours_cpu - floor_cpu:.1f} µs)")
shape = lambda kind: value("floor-stacked", kind) / value("floor-echo", kind)
print(f"  the framework's shape alone: POST /stacked/echo over POST /echo {shape('rps'):.2f}"
      f"  CPU/request {shape('cpu'):.2f} (+{value('floor-stacked', 'cpu') - value('floor-echo', 'cpu'):.1f} µs)")
calm, stormy = value("chat-key-calm", "rps"), value("chat-key-storm", "rps")
print(f"  storm: chat throughput {stormy / calm:.2f} of calm, chat p99 {value('chat-key-storm', 'p99') / value('chat-key-calm', 'p99'):.2f} of calm")
PY
