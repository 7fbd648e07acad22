#!/usr/bin/env bash
# Runs `swift test ARGS...` with its output shown and kept in LOG; when it fails, ends with a digest of why: the
# failed expectations and, if the test process crashed, the crashed thread's backtrace. A CI log cut to its end still
# shows the cause that way (the backtracer prints every thread, and the crashed one is easily cut).
# Usage: scripts/swift-test.sh LOG [swift test arguments...]
set -uo pipefail
log=$1
shift
swift test "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
  echo "== swift test failed (exit $status); digest of $log =="
  grep -E "^✘ Test .*(recorded an issue|failed after)" "$log" | head -40
  grep -E "^\*\*\* (Program crashed|Signal [0-9]+)" "$log"
  # The crashed thread: from its "Thread N crashed:" header to the next thread's header.
  awk '/^Thread [0-9]+ .*crashed:/ { on = 1; n = 0 } on && /^Thread [0-9]+/ && !/crashed:/ { on = 0 } on && n++ < 60' "$log"
fi
exit "$status"
