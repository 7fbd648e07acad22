#!/usr/bin/env bash
# Opens SpecRunner's HTML reports in headless Chromium (Debian's package), as a person reviewing a run would: each
# page must render with no console error and its counts (read from the rendered DOM) must equal its JSON report's;
# and a deliberately failing run's page must show the failing step with its request, response and curl command.
# Every page, the failing one too, must have no serious or critical axe-core accessibility violation
# (scripts/check-accessibility.py, which also prints how long each took to open). Writes a screenshot of each to
# reports/ for a person to look at.
# Usage: scripts/check-html-report.sh SPECRUNNER BASE_URL [KIND REPORT.html REPORT.json]...
#   KIND is run (counts passed, failed, skipped), fuzz (sent, failed) or bench (requests, errors).
set -euo pipefail
cd "$(dirname "$0")/.."
specrunner=${1:?usage: scripts/check-html-report.sh SPECRUNNER BASE_URL [KIND REPORT.html REPORT.json]...}
base=${2:?base URL}
shift 2
mkdir -p reports
source scripts/chromium-lib.sh
work=$(mktemp -d)
trap 'rm -rf "$work" "$chromium_log"' EXIT

pages=()
while [ $# -ge 3 ]; do
  kind=$1; html=$(realpath "$2"); json=$(realpath "$3"); shift 3
  pages+=("$html")
  case "$kind" in
    run) names="passed failed skipped" ;;
    fuzz) names="sent failed" ;;
    bench) names="requests errors" ;;
    *) echo "unknown report kind $kind"; exit 2 ;;
  esac
  dom=$(render "file://$html")
  screenshot "file://$html" "$(pwd)/reports/$(basename "$html" .html)-report.png" 1200,900
  for name in $names; do
    expected=$(python3 -c "import json, sys; print(int(json.load(open(sys.argv[1]))[sys.argv[2]]))" "$json" "$name")
    shown=$(grep -oE "id=\"$name\" class=\"count[a-z ]*\" data-count=\"[0-9]+\"" <<<"$dom" | grep -oE '[0-9]+"$' | tr -d '"')
    [ "$shown" = "$expected" ] || { echo "$html shows $name ${shown:-nothing}, its JSON report $expected"; exit 1; }
  done
  echo "  $html: its counts ($names) equal the JSON report's"
done

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
dom=$(render "file://$work/failing.html")
for expected in 'data-count="1"' '<pre class="request">GET ' '<pre class="response">HTTP 200' '<pre class="curl">curl -s -X GET' \
    'status: expected 418, got 200' 'Copy the command'; do
  grep -qF "$expected" <<<"$dom" || { echo "the failing run's page lacks $expected"; exit 1; }
done
screenshot "file://$work/failing.html" "$(pwd)/reports/failing-report.png" 1200,900
echo "  a failing run's page shows the failing step's request, response and curl command; screenshots in reports/"
echo "  accessibility (axe-core in headless Chromium) and open times:"
python3 scripts/check-accessibility.py "${pages[@]}" "$work/failing.html"
