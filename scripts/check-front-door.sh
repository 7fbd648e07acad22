#!/usr/bin/env bash
# Opens a running server's front door (GET /) in headless Chromium (Debian's package), as a newcomer would: the
# page must render its name and version with no console error, and each of its links must open in the browser and
# show what it promises (the console, the reference, the OpenAPI document, the health answer). Writes a screenshot
# to reports/front-door.png for a person to look at; the page must have no serious axe-core accessibility
# violation. Usage: scripts/check-front-door.sh http://127.0.0.1:PORT
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: scripts/check-front-door.sh BASE_URL}
mkdir -p reports
source scripts/chromium-lib.sh

page=$(render "$base/")
screenshot "$base/" "$(pwd)/reports/front-door.png" 1024,700
for expected in '<h1>AI Worker API</h1>' 'class="version">Version '; do
  grep -qF "$expected" <<<"$page" || { echo "the front door lacks $expected"; exit 1; }
done
links=$(grep -oE '<a href="[^"]+"' <<<"$page" | sed -E 's/<a href="([^"]+)"/\1/')
[ "$(wc -l <<<"$links")" -eq 4 ] || { echo "the front door should link to four pages, found: $links"; exit 1; }
# Each link, followed in the browser, shows what its label promises.
for link in $links; do
  case "$link" in
    /console) expected='id="auth-form"' ;;
    /docs) expected='id="chatCompletions"' ;;
    /openapi.json) expected='"openapi": "3.1' ;;
    /health) expected='"status":"ok"' ;;
    *) echo "unexpected link $link"; exit 1 ;;
  esac
  target=$(render "$base$link")
  grep -qF "$expected" <<<"$target" || { echo "$link does not show $expected"; exit 1; }
  echo "  $link opens and shows $expected"
done
echo "the front door at $base renders in $("$browser" --version 2>/dev/null | head -1) and its 4 links open; screenshot in reports/front-door.png"
python3 scripts/check-accessibility.py "$base/"
