#!/usr/bin/env bash
# Opens SpecRunner's HTML report in headless Chromium (Debian's package), as a person reviewing a run would: the
# page must render with no console error, its summary counts (read from the rendered DOM) must equal the JSON
# report's, and a deliberately failing run's page must show the failing step with its request, response and curl
# command. Writes screenshots to reports/ for a person to look at.
# Usage: scripts/check-html-report.sh SPECRUNNER BASE_URL REPORT.html REPORT.json
set -euo pipefail
cd "$(dirname "$0")/.."
specrunner=${1:?usage: scripts/check-html-report.sh SPECRUNNER BASE_URL REPORT.html REPORT.json}
base=${2:?base URL}
html=$(realpath "${3:?HTML report}")
json=$(realpath "${4:?JSON report}")
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "chromium is not installed (apt-get install -y chromium)"; exit 1; }
flags=(--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --enable-logging=stderr --v=0)
mkdir -p reports
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# render FILE: the DOM after the page's own script ran; fails on a console error or a failed load.
render() {
  local dom
  dom=$(timeout 60 "$browser" "${flags[@]}" --dump-dom "file://$1" 2>"$work/log")
  if grep -qE 'CONSOLE|Failed to load|ERR_|Uncaught' "$work/log"; then
    echo "$1 logged errors:"; grep -E 'CONSOLE|Failed to load|ERR_|Uncaught' "$work/log"; return 1
  fi
  printf '%s' "$dom"
}
# count DOM NAME: the data-count of the summary's NAME.
count() { grep -oE "id=\"$2\" class=\"count $2\" data-count=\"[0-9]+\"" <<<"$1" | grep -oE '[0-9]+"$' | tr -d '"'; }

dom=$(render "$html")
timeout 60 "$browser" "${flags[@]}" --window-size=1200,900 --screenshot="$(pwd)/reports/conformance-report.png" "file://$html" 2>/dev/null >/dev/null
for name in passed failed skipped; do
  expected=$(python3 -c "import json, sys; print(int(json.load(open(sys.argv[1]))['$name']))" "$json")
  shown=$(count "$dom" "$name")
  [ "$shown" = "$expected" ] || { echo "the HTML report shows $name $shown, the JSON report $expected"; exit 1; }
done
grep -q '<table>' <<<"$dom" || { echo "the report has no coverage table"; exit 1; }
echo "  $html: its counts equal the JSON report's"

# A run that fails on purpose: its page shows the failing step's request, response and curl command.
mkdir -p "$work/scenarios"
cat >"$work/scenarios/fails.yaml" <<'YAML'
name: fails-on-purpose
steps:
  - name: health is not a teapot
    operation: getHealth
    expect: { status: 418 }
YAML
status=0
"$specrunner" --base-url "$base" --scenarios "$work/scenarios" --report html="$work/failing.html" >"$work/failing.txt" || status=$?
[ "$status" -eq 1 ] || { echo "the failing run exited $status, not 1"; cat "$work/failing.txt"; exit 1; }
dom=$(render "$work/failing.html")
for expected in 'data-count="1"' '<pre class="request">GET ' '<pre class="response">HTTP 200' '<pre class="curl">curl -s -X GET' \
    'status: expected 418, got 200' 'Copy the command'; do
  grep -qF "$expected" <<<"$dom" || { echo "the failing run's page lacks $expected"; exit 1; }
done
timeout 60 "$browser" "${flags[@]}" --window-size=1200,900 --screenshot="$(pwd)/reports/failing-report.png" "file://$work/failing.html" 2>/dev/null >/dev/null
echo "  a failing run's page shows the failing step's request, response and curl command; screenshots in reports/"
