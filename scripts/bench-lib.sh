# Helpers shared by the load benchmarks (scripts/bench.sh, bench-streams.sh, bench-password-nice.sh,
# bench-growth.sh, bench-gateway.sh): sourced, never run. Builds the release server, installs wrk when missing, and
# defines start, credentials, chat_script, rss, cpu, load, header and storm.
# Sets $duration and $connections (DURATION, 10 s a load, and CONNECTIONS, 64, from the environment), $bin, $work and
# $secret, and kills every server it started on exit.
duration=${DURATION:-10}
connections=${CONNECTIONS:-64}
command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
swift build -c release --product server >/dev/null
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# start NAME [ENV=VALUE ...]: a server on a fresh database; sets $base and $pid, and $startup (ms to first answer).
start() {
  local name=$1; shift
  local port; port=$(free_port)
  local t0; t0=$(date +%s%N)
  env HTTP_PORT="$port" DATABASE_PATH="$work/$name.sqlite" JWT_SECRET="$secret" "$@" "$bin/server" >"$work/$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  base="http://127.0.0.1:$port"
  until curl -s -o /dev/null "$base/health"; do
    kill -0 "$pid" 2>/dev/null || { echo "the $name server did not start:"; cat "$work/$name.log"; exit 1; }
    sleep 0.005
  done
  startup=$(( ($(date +%s%N) - t0) / 1000000 ))
}
# credentials: a user, its token and a key on $base.
credentials() {
  token=$(curl -s -X POST "$base/register" -H 'Content-Type: application/json' \
    -d '{"email":"bench@example.com","password":"bench password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  key=$(curl -s -X POST "$base/api-keys/create" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"name":"bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
}
# chat_script FILE HEADER VALUE: a wrk script posting a chat, reporting every answer that is not 200.
chat_script() {
  cat >"$1" <<LUA
wrk.method = "POST"
wrk.body = '{"messages":[{"role":"user","content":"Hello there"}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["$2"] = "$3"
function response(status)
  if status ~= 200 then io.stderr:write("status " .. status .. "\n") end
end
LUA
}
rss() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status"; }
# cpu: the user and system CPU time of $pid so far, in clock ticks.
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
# load NAME URL [SCRIPT]: one wrk run; prints a table row and keeps requests/s, p99 (ms) and the process's CPU time per
# request (µs, user and system, from /proc: a figure the noise of other processes does not move as it moves
# throughput) for the ratios.
load() {
  local before; before=$(cpu)
  local out; out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency ${3:+-s "$3"} "$2" 2>"$work/$1.err")
  local rps p50 p99 errors cpu_us
  rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
  p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
  errors=$(grep -c '^status' "$work/$1.err" || true)
  cpu_us=$(awk -v ticks=$(( $(cpu) - before )) -v hz="$(getconf CLK_TCK)" '/requests in/ { printf "%.1f", ticks / hz * 1e6 / $1 }' <<<"$out")
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$rps" "$p50" "$p99" "$cpu_us" "$errors" "$(rss)"
  echo "$rps" >"$work/$1.rps"
  echo "$cpu_us" >"$work/$1.cpu"
  python3 -c 'import sys; v = sys.argv[1]; print(float(v[:-2]) if v.endswith("ms") else float(v[:-2]) / 1000 if v.endswith("us") else float(v[:-1]) * 1000)' "$p99" >"$work/$1.p99"
}
header() {
  echo
  echo "$1"
  echo
  echo "| load | requests/s | p50 | p99 | CPU µs/request | non-200 | RSS MiB after |"
  echo "|---|---|---|---|---|---|---|"
}
# storm: 10 logins/s (of the user credentials made) from another client during a chat load (chat-key-storm) with
# $work/key.lua; the logins' latencies and statuses go to $work/storm.txt.
storm() {
  python3 - "$base" "$((duration + 1))" >"$work/storm.txt" <<'PY' &
import json, sys, threading, time, urllib.request, urllib.error
base, seconds = sys.argv[1], float(sys.argv[2])
body = json.dumps({"email": "bench@example.com", "password": "bench password"}).encode()
results, lock = [], threading.Lock()
def login():
    start = time.monotonic()
    request = urllib.request.Request(base + "/login", body, {"Content-Type": "application/json"})
    try:
        status = urllib.request.urlopen(request, timeout=30).status
    except urllib.error.HTTPError as error:
        status = error.code
    except Exception:
        status = 0
    with lock:
        results.append((status, time.monotonic() - start))
threads, begin = [], time.monotonic()
for index in range(int(seconds * 10)):
    time.sleep(max(0, begin + index / 10 - time.monotonic()))
    thread = threading.Thread(target=login)
    thread.start()
    threads.append(thread)
for thread in threads:
    thread.join()
latencies = sorted(latency for _, latency in results)
statuses = {}
for status, _ in results:
    statuses[status] = statuses.get(status, 0) + 1
pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
print(f"{len(results)} logins: p50 {pick(0.5):.0f} ms, p99 {pick(0.99):.0f} ms, max {latencies[-1] * 1000:.0f} ms; statuses {statuses}")
PY
  local storm_pid=$!
  load "chat-key-storm" "$base/chat/completions" "$work/key.lua"
  wait "$storm_pid"
}
