#!/usr/bin/env bash
# SpecRunner beside Schemathesis on examples/inventory-service: the correct service and each of its deliberate breaks,
# both tools given only the API key as a header and the same time budget (Schemathesis with all its checks and its
# stateful phase; SpecRunner's plain fuzz, then --stateful). A tool catches a break when it reports something it does
# not report on the correct service (a failure code or finding class on an operation). Prints a Markdown table and
# exits 1 when Schemathesis caught a break that SpecRunner missed.
#
#   bash scripts/compare-schemathesis.sh            # BUDGET=20 seconds per tool and variant
#   BUDGET=60 bash scripts/compare-schemathesis.sh
#
# Schemathesis (pinned) is installed from PyPI into a virtual environment ($SCHEMATHESIS_VENV); SpecRunner is the
# debug build's binary unless $SPECRUNNER names another. Everything runs on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${BUDGET:-20}
version=4.32.5
venv=${SCHEMATHESIS_VENV:-${TMPDIR:-/tmp}/schemathesis-$version}
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==$version"
fi
specrunner=${SPECRUNNER:-$(swift build --show-bin-path)/specrunner}
[ -x "$specrunner" ] || { echo "no specrunner at $specrunner: run swift build first" >&2; exit 2; }
example=examples/inventory-service
key=inv-test-key-0123456789abcdef
work=$(mktemp -d)
trap 'kill "${service:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

# Starts the service with the given breaks; sets $service (its pid) and $url.
start() {
  python3 "$example/app.py" --port 0 "$@" >"$work/service.out" 2>/dev/null &
  service=$!
  for _ in $(seq 1 50); do
    url=$(sed -n 's/^listening on //p' "$work/service.out")
    [ -n "$url" ] && return
    sleep 0.1
  done
  echo "the inventory service did not start" >&2
  exit 2
}

stop() { kill "$service" 2>/dev/null || true; wait "$service" 2>/dev/null || true; }

# What Schemathesis reports, one "operation code" a line, from its console output.
schemathesis_failures() {
  awk '/^_+ .* _+$/ { gsub(/^_+ | _+$/, ""); section = $0 } /^- ST[0-9]+ / { print section " " $2 }' "$1" | sort -u
}

# What SpecRunner reports, one "operation class" a line, from its JSON reports.
specrunner_failures() {
  python3 - "$@" <<'PYTHON'
import json, sys
for path in sys.argv[1:]:
    try:
        report = json.load(open(path))
    except (OSError, ValueError):
        continue
    for operation, classes in report.get("findings", {}).items():
        for kind in classes:
            print(f"{operation} {kind}")
PYTHON
}

# Runs both tools against the running service; leaves $st_time, $sr_time and the failure lists in $work/$1.*.
run_tools() {
  local name=$1 begin
  begin=$(date +%s.%N)
  "$venv/bin/st" run "$example/openapi.json" --url "$url" -H "X-Inventory-Key: $key" --checks all --max-time "$budget" \
    --seed 20261206 --no-color >"$work/$name.st.log" 2>&1 || true
  st_time=$(python3 -c "import time; print(round(time.time() - $begin))")
  schemathesis_failures "$work/$name.st.log" >"$work/$name.st"
  begin=$(date +%s.%N)
  local half=$(( (budget + 1) / 2 ))
  "$specrunner" fuzz --base-url "$url" --spec "$example/openapi.json" --setup none --header "X-Inventory-Key: $key" \
    --seed 20261206 --count 100000 --duration "$half" --report json="$work/$name.plain.json" >"$work/$name.sr.log" 2>&1 || true
  "$specrunner" fuzz --stateful --base-url "$url" --spec "$example/openapi.json" --setup none --header "X-Inventory-Key: $key" \
    --seed 20261206 --count 100000 --duration "$half" --report json="$work/$name.stateful.json" >>"$work/$name.sr.log" 2>&1 || true
  sr_time=$(python3 -c "import time; print(round(time.time() - $begin))")
  specrunner_failures "$work/$name.plain.json" "$work/$name.stateful.json" | sort -u >"$work/$name.sr"
}

start
run_tools correct
stop
echo "| break | what it does | Schemathesis $version | SpecRunner |"
echo "|---|---|---|---|"
cell() {  # cell NEW_FINDINGS_FILE SECONDS
  if [ -s "$1" ]; then echo "caught: $(head -2 "$1" | paste -sd ';' - | sed 's/;/; /') ($2 s)"; else echo "missed ($2 s)"; fi
}
echo "| (none: the correct service) | | $(wc -l <"$work/correct.st") reported ($st_time s) | $(wc -l <"$work/correct.sr") reported ($sr_time s) |"
st_caught=0; sr_caught=0; only_st=()
breaks=$(python3 "$example/app.py" --help | tr -d '\n' | sed -n 's/.*--break {\([^}]*\)}.*/\1/p' | tr ',' ' ')
total=0
for name in $breaks; do
  total=$((total + 1))
  start --break "$name"
  run_tools "$name"
  stop
  comm -13 "$work/correct.st" "$work/$name.st" >"$work/$name.st.new"
  comm -13 "$work/correct.sr" "$work/$name.sr" >"$work/$name.sr.new"
  [ -s "$work/$name.st.new" ] && st_caught=$((st_caught + 1))
  [ -s "$work/$name.sr.new" ] && sr_caught=$((sr_caught + 1))
  if [ -s "$work/$name.st.new" ] && [ ! -s "$work/$name.sr.new" ]; then only_st+=("$name"); fi
  what=$(python3 -c "import runpy, sys; sys.argv = ['app']; print(runpy.run_path('$example/app.py', run_name='inventory')['BREAKS']['$name'])")
  echo "| \`$name\` | $what | $(cell "$work/$name.st.new" "$st_time") | $(cell "$work/$name.sr.new" "$sr_time") |"
done
echo
echo "Caught: SpecRunner $sr_caught of $total, Schemathesis $st_caught of $total (budget ${budget} s per tool and variant)."
if [ ${#only_st[@]} -gt 0 ]; then
  echo "Caught by Schemathesis only: ${only_st[*]}"
  exit 1
fi
echo "SpecRunner's caught set contains Schemathesis's."
