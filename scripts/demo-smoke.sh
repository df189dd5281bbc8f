#!/usr/bin/env bash
# Checks the README's first command: runs scripts/demo.sh exactly as a newcomer would (Release
# build, demo seed, SQLite), but on a free port and a temporary database, waits until the node
# answers GET /healthz, then stops it with SIGTERM and expects a clean exit (status 0).
# Used by .ci/run, so a Release-only compile error (-O3 warnings under -Werror) fails CI.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--help" ]]; then
  sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log="$work/demo.log"
scripts/demo.sh --port 0 --db "$work/keyun.db" >"$log" 2>&1 &
pid=$!
url=""
# The Release build comes first; allow it 40 minutes on two cores.
for _ in $(seq 1 2400); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "demo-smoke: scripts/demo.sh exited before serving; its output:" >&2
    cat "$log" >&2
    exit 1
  fi
  url="$(sed -n 's/^keyun: listening on \(http:[^ ]*\)$/\1/p' "$log" | head -n1)"
  [[ -n "$url" ]] && break
  sleep 1
done
if [[ -z "$url" ]]; then
  echo "demo-smoke: the demo node did not start within 40 minutes" >&2
  kill "$pid" 2>/dev/null || true
  exit 1
fi
health="$(curl -fsS --max-time 10 "$url/healthz")" || {
  echo "demo-smoke: GET $url/healthz failed; node output:" >&2
  cat "$log" >&2
  kill "$pid" || true
  exit 1
}
echo "demo-smoke: $url/healthz answered: $health"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
if [[ "$status" -ne 0 ]]; then
  echo "demo-smoke: the node exited with status $status after SIGTERM (expected 0); output:" >&2
  tail -n 40 "$log" >&2
  exit 1
fi
echo "demo-smoke: the Release demo served and stopped cleanly"
