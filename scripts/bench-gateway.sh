#!/usr/bin/env bash
# Streams through a gateway (#31): our server against the LiteLLM proxy (PyPI, pinned as in CI's check), both in
# front of the same OpenAI-compatible upstream on loopback, at 100, 1,000 and 5,000 concurrent streams.
# The upstream is the reference server's mock (release build, its own process): it streams a WORDS-word answer a
# token every PACE_MS (default 64 tokens, 50 ms apart: a fast model's pace). For each number of streams, in one run:
# the upstream directly (what a client gets with no gateway), then through ours, then through LiteLLM;
# scripts/stream_load.py opens the streams and reports, per gateway: CPU per streamed token (the gateway's process
# tree), time to first token and its increase over the direct run, p99 of the gaps between tokens, and memory per
# open stream (peak RSS during the run over the RSS before it; both gateways are started afresh for each number).
# Both gateways run with their defaults but for what would refuse or hold back the load: ours has its stream caps
# and upstream connections raised to 10,000 (by default one user may hold 16 streams, the instance 2,048) and one
# user's stream bandwidth off (every stream here is one user's: 1,000 streams at this pace write some 4 MB of events
# a second, past the 1 MiB a second one user's streams share by default); LiteLLM needs none.
# Both log errors only. Bounded: each run stops after TIMEOUT seconds (default 120); STREAMS sets the levels.
set -euo pipefail
cd "$(dirname "$0")/.."
levels=${STREAMS:-100 1000 5000}
words=${WORDS:-60}
pace=${PACE_MS:-50}
timeout=${TIMEOUT:-120}
source scripts/bench-lib.sh
ulimit -n "$(ulimit -Hn)"  # a gateway holds two connections a stream
venv=${LITELLM_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/ai-worker-litellm-1.108.7}
if [ ! -x "$venv/bin/litellm" ]; then
  python3 -m venv "$venv" 2>/dev/null || { apt-get update -qq && apt-get install -y -qq python3-venv && python3 -m venv "$venv"; }
  "$venv/bin/pip" install -q 'litellm[proxy]==1.108.7'
fi
open=(CHAT_MAX_CONCURRENT_STREAMS_PER_PRINCIPAL=10000 CHAT_MAX_CONCURRENT_STREAMS=10000 UPSTREAM_MAX_CONNECTIONS=10000
  CHAT_MAX_STREAM_BYTES_PER_SECOND_PER_PRINCIPAL=0
  BCRYPT_COST=10 RATE_LIMIT_AUTH_PER_MINUTE=0 RATE_LIMIT_CHAT_PER_MINUTE=0 RATE_LIMIT_AUTH_FAILURES_PER_MINUTE=0
  LOG_LEVEL=error MODEL_NAME=mock-model)

# The answer is "[mock mock-model] You said: " and the words, a token each: the mock spreads its delay over them.
start upstream "${open[@]}" MOCK_DELAY_MS=$(( (words + 4) * pace ))
upstream=$base upstream_pid=$pid
credentials
upstream_key=$key

master="sk-litellm-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
cat >"$work/litellm.yaml" <<YAML
model_list:
  - model_name: mock-model
    litellm_params: { model: openai/mock-model, api_base: "$upstream/v1", api_key: "$upstream_key" }
litellm_settings:
  num_retries: 0
  request_timeout: 600
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
YAML
# gateways N: both gateways started afresh for the run of N streams (so that each one's memory is measured from its
# own start), the old ones stopped; sets $ours, $ours_key, $ours_pid, $litellm and $litellm_pid.
gateways() {
  [ -z "${ours_pid:-}" ] || kill "$ours_pid" "$litellm_pid" 2>/dev/null || true
  start "ours-$1" "${open[@]}" MODEL_BACKEND=openai OPENAI_BASE_URL="$upstream/v1" OPENAI_API_KEY="$upstream_key" UPSTREAM_TIMEOUT=600
  ours=$base ours_pid=$pid
  credentials
  ours_key=$key
  local port; port=$(free_port)
  LITELLM_MASTER_KEY=$master LITELLM_LOCAL_MODEL_COST_MAP=True LITELLM_LOG=ERROR \
    "$venv/bin/litellm" --config "$work/litellm.yaml" --host 127.0.0.1 --port "$port" >"$work/litellm-$1.log" 2>&1 &
  litellm_pid=$!
  pids+=("$litellm_pid")
  litellm="http://127.0.0.1:$port"
  for _ in $(seq 1 240); do curl -s -o /dev/null "$litellm/health/liveliness" && break; sleep 0.5; done
  curl -s -o /dev/null "$litellm/health/liveliness" || { echo "LiteLLM did not start:"; tail -30 "$work/litellm-$1.log"; exit 1; }
}

echo "Release build; $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ); LiteLLM $("$venv/bin/pip" show litellm | awk '/^Version/ { print $2 }')."
echo "Each stream: $((words + 4)) tokens from the upstream, one every $pace ms."
echo
echo "| streams | through | done | failed | tokens | CPU s | CPU µs/token | TTFT p50 | TTFT p99 | gap p50 | gap p99 | RSS before → peak MiB | KiB/stream |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for n in $levels; do
  gateways "$n"
  for target in direct ours litellm; do
    case $target in
      direct) url="$upstream/v1/chat/completions" bearer=$upstream_key watched=$upstream_pid ;;
      ours) url="$ours/v1/chat/completions" bearer=$ours_key watched=$ours_pid ;;
      litellm) url="$litellm/v1/chat/completions" bearer=$master watched=$litellm_pid ;;
    esac
    python3 scripts/stream_load.py "$url" "$bearer" mock-model "$words" --streams "$n" --pid "$watched" --timeout "$timeout" \
      >"$work/$target-$n.json"
    python3 - "$work/$target-$n.json" "$target" <<'PY'
import json, sys
r, target = json.load(open(sys.argv[1])), sys.argv[2]
ms = lambda v: "-" if v is None else f"{v} ms"
print(f"| {r['streams']} | {target} | {r['done']} | {r['failed']} | {r['tokens']} | {r['cpu_seconds']} | {r['cpu_us_per_token']} | "
      f"{ms(r['ttft_p50_ms'])} | {ms(r['ttft_p99_ms'])} | {ms(r['gap_p50_ms'])} | {ms(r['gap_p99_ms'])} | "
      f"{r['rss_before_mib']} → {r['rss_peak_mib']} | {r['kib_per_stream']} |")
PY
    sleep 2
  done
done

echo
python3 - "$work" "$levels" <<'PY'
import json, pathlib, sys
work, levels = pathlib.Path(sys.argv[1]), sys.argv[2].split()
run = lambda target, n: json.loads((work / f"{target}-{n}.json").read_text())
print("What each gateway adds (TTFT added: its p50 and p99 over the direct run's; ours over LiteLLM's at the end):")
for n in levels:
    direct = run("direct", n)
    figures = {}
    for target in ("ours", "litellm"):
        r = run(target, n)
        added = lambda key: None if r[key] is None or direct[key] is None else round(r[key] - direct[key], 1)
        figures[target] = (r["cpu_us_per_token"], added("ttft_p50_ms"), added("ttft_p99_ms"), r["gap_p99_ms"], r["kib_per_stream"])
        print(f"  {int(n):>5} streams {target:8} CPU {r['cpu_us_per_token']} µs/token, TTFT +{added('ttft_p50_ms')} ms p50"
              f" +{added('ttft_p99_ms')} ms p99, gap p99 {r['gap_p99_ms']} ms, {r['kib_per_stream']} KiB/stream,"
              f" {r['done']} of {r['streams']} done")
    ours, theirs = figures["ours"], figures["litellm"]
    ratio = lambda a, b: "-" if a is None or b in (None, 0) else f"{a / b:.2f}"
    print(f"  {int(n):>5} streams ours/LiteLLM: CPU per token {ratio(ours[0], theirs[0])}, gap p99 {ratio(ours[3], theirs[3])},"
          f" memory per stream {ratio(ours[4], theirs[4])}")
PY
