# Headless Chromium (Debian's package) for the page checks, sourced by scripts/check-*.sh:
#   render URL            the DOM after the page's scripts ran; fails on a console error or a failed load
#   screenshot URL FILE WIDTH,HEIGHT
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "chromium is not installed (apt-get install -y chromium)"; exit 1; }
flags=(--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --enable-logging=stderr --v=0)
chromium_log=$(mktemp)
trap 'rm -f "$chromium_log"' EXIT

render() {
  local dom
  dom=$(timeout 60 "$browser" "${flags[@]}" --dump-dom "$1" 2>"$chromium_log")
  if grep -qE 'CONSOLE|Failed to load|ERR_|Uncaught' "$chromium_log"; then
    echo "$1 logged errors:"; grep -E 'CONSOLE|Failed to load|ERR_|Uncaught' "$chromium_log"; return 1
  fi
  printf '%s' "$dom"
}

screenshot() {
  timeout 60 "$browser" "${flags[@]}" --window-size="$3" --screenshot="$2" "$1" 2>/dev/null >/dev/null
}
