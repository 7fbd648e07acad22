#!/usr/bin/env bash
# Opens docs/index.html in headless Chromium (Debian's package): the page must render its reference and
# log no console error or failed load, nor have a serious axe-core accessibility violation. Writes a screenshot to
# reports/docs.png for a person to look at.
set -euo pipefail
cd "$(dirname "$0")/.."
page="$(pwd)/docs/index.html"
[ -f "$page" ] || { echo "no $page: run specrunner docs first"; exit 1; }
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "chromium is not installed (apt-get install -y chromium)"; exit 1; }
flags=(--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --enable-logging=stderr --v=0)
mkdir -p reports
log=$(mktemp)
dom=$(timeout 60 "$browser" "${flags[@]}" --dump-dom "file://$page" 2>"$log")
timeout 60 "$browser" "${flags[@]}" --window-size=1280,1600 --screenshot="$(pwd)/reports/docs.png" "file://$page" 2>>"$log" >/dev/null
problems=$(grep -E 'CONSOLE|Failed to load|ERR_|Uncaught' "$log" || true)
if [ -n "$problems" ]; then echo "the page logged errors:"; echo "$problems"; exit 1; fi
for expected in '<nav>' 'id="createApiKey"' 'id="chatCompletions"' 'id="usage-flow"'; do
  grep -q "$expected" <<<"$dom" || { echo "the rendered page lacks $expected"; exit 1; }
done
echo "docs/index.html renders in $("$browser" --version 2>/dev/null | head -1) with no console errors; screenshot in reports/docs.png"
python3 scripts/check-accessibility.py "$page"
