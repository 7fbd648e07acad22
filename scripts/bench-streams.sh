#!/usr/bin/env bash
# Streams benchmark of a release build on 127.0.0.1 (#25): what one user holding its maximum of large streams
# costs everyone else, and what an open stream costs in memory. Prints Markdown tables and the ratios of one run:
#   - /health and chat (X-API-Key, mock backend) p99 with wrk, calm, then while one user holds
#     CHAT_MAX_CONCURRENT_STREAMS_PER_PRINCIPAL (16) streams of large answers (a 20,000-word echo each, one event
#     a word), re-opened as each ends: read at 64 KB/s each (a fast model's pace many times over), then read as
#     fast as the server can send them (a flood no model makes: it measures how the server shares its CPU);
#   - memory: the server's RSS with 512 slow streams open (32 users × 16, none of them reading), per stream.
# Bounded: each load lasts DURATION seconds (default 10); the held streams stop with the loads.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-lib.sh

quiet=(BCRYPT_COST=10 RATE_LIMIT_AUTH_PER_MINUTE=0 RATE_LIMIT_CHAT_PER_MINUTE=0 RATE_LIMIT_AUTH_FAILURES_PER_MINUTE=0 LOG_LEVEL=error)
echo "Release build; wrk -t2 -c$connections -d${duration}s on 127.0.0.1; $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)."
start streams "${quiet[@]}"
credentials
chat_script "$work/key.lua" X-API-Key "$key"
header "Calm"
load health-calm "$base/health"
load chat-calm "$base/chat/completions" "$work/key.lua"

# hold NAME PACE: while the loads of NAME run, the bench user's 16 streams of large answers, each re-opened when it
# ends, each read at PACE bytes a second (0: as fast as the server sends); then the loads, loaded.
hold() {
  python3 - "$base" "$token" "$((duration * 2 + 4))" "$2" >"$work/held-$1.txt" <<'PY' &
import json, socket, sys, threading, time
base, token, seconds, pace = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
host, port = base.removeprefix("http://").split(":")
words = " ".join(f"word{index}" for index in range(20_000))
body = json.dumps({"stream": True, "messages": [{"role": "user", "content": words}]})
request = (f"POST /chat/completions HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
           f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}").encode()
end = time.monotonic() + seconds
totals, lock = {"streams": 0, "bytes": 0, "refused": 0}, threading.Lock()
def hold():
    while time.monotonic() < end:
        with socket.create_connection((host, int(port))) as connection:
            connection.sendall(request)
            connection.settimeout(max(0.1, end - time.monotonic()))
            received, head, started = 0, b"", time.monotonic()
            try:
                while piece := connection.recv(4096 if pace else 65536):
                    received += len(piece)
                    head = head or piece[:12]
                    if pace:
                        time.sleep(max(0, started + received / pace - time.monotonic()))
                    if time.monotonic() > end:
                        break
            except socket.timeout:
                pass
        with lock:
            totals["streams"] += 1
            totals["bytes"] += received
            totals["refused"] += 0 if head.startswith(b"HTTP/1.1 200") else 1
threads = [threading.Thread(target=hold) for _ in range(16)]
for thread in threads: thread.start()
for thread in threads: thread.join()
print(f"{totals['streams']} large streams held by one user ({totals['bytes'] / seconds / 1e6:.1f} MB/s read), {totals['refused']} refused")
PY
  local holder=$!
  sleep 2
  header "$3"
  load "health-$1" "$base/health"
  load "chat-$1" "$base/chat/completions" "$work/key.lua"
  wait "$holder"
  echo
  cat "$work/held-$1.txt"
}
hold paced 65536 "While one user holds its 16 large streams, each read at 64 KB/s (about 2,000 events a second)"
hold flooding 0 "While one user holds its 16 large streams, read as fast as the server sends them"

# Memory: 512 streams open at once, from 32 users, none of them reading (each answer takes a minute to come). The
# RSS is read after the users registered and 32 streams opened (the server warmed up), then with all 512 open.
start memory "${quiet[@]}" MOCK_DELAY_MS=60000 PASSWORD_HASH_QUEUE=1000 PASSWORD_HASH_MAX_WAIT=60
python3 - "$base" "$work/warm.txt" "$work/opened.txt" <<'PY' &
import asyncio, json, pathlib, sys, urllib.request
base, warm, report = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
host, port = base.removeprefix("http://").split(":")
def token(index):
    body = json.dumps({"email": f"stream-{index}@example.com", "password": "bench password"}).encode()
    request = urllib.request.Request(base + "/register", body, {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request, timeout=60))["token"]
async def main():
    tokens = await asyncio.gather(*(asyncio.to_thread(token, index) for index in range(32)))
    body = json.dumps({"stream": True, "messages": [{"role": "user", "content": "one two three four five six seven eight"}]})
    async def open_stream(index):
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write((f"POST /chat/completions HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {tokens[index % 32]}\r\n"
                      f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}").encode())
        await writer.drain()
        status = await reader.readline()
        return (reader, writer) if status.startswith(b"HTTP/1.1 200") else None
    first = await asyncio.gather(*(open_stream(index) for index in range(32)))
    warm.write_text(str(sum(stream is not None for stream in first)))
    await asyncio.sleep(3)  # the server's RSS is read meanwhile
    rest = await asyncio.gather(*(open_stream(index) for index in range(32, 512)))
    report.write_text(str(sum(stream is not None for stream in rest)))
    await asyncio.sleep(5)  # the server's RSS is read meanwhile; then every connection closes
asyncio.run(main())
PY
streamer=$!
# wait_for FILE: until the streamer writes it (or dies).
wait_for() { until [ -s "$1" ]; do kill -0 "$streamer" 2>/dev/null || { echo "the streams could not be opened"; exit 1; }; sleep 0.2; done; sleep 1; }
wait_for "$work/warm.txt"
before=$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")
wait_for "$work/opened.txt"
during=$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")
opened=$(cat "$work/opened.txt")
wait "$streamer"
echo
echo "Memory: RSS $((before / 1024)) MiB with $(cat "$work/warm.txt") streams open, $((during / 1024)) MiB with $opened more:" \
  "$(( (during - before) / opened )) KiB per open stream."

echo
python3 - "$work" <<'PY'
import pathlib, sys
work = pathlib.Path(sys.argv[1])
p99 = lambda name: float((work / f"{name}.p99").read_text())
print("Ratios in this run (p99 while one user holds 16 large streams, over the calm p99; the goal is at most 3):")
for load in ("paced", "flooding"):
    for route in ("health", "chat"):
        print(f"  {load:9} {route:8} {p99(route + '-' + load) / p99(route + '-calm'):.2f}")
PY
