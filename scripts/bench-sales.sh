#!/usr/bin/env bash
# Complete sales side by side: each keyun binary given serves a fresh demo province on its own
# SQLite file, and the same `keyun bench sales` load runs against it; prints
# each run's summary line and the node's CPU seconds (user + system) spent during it.
#
#   scripts/bench-sales.sh [--mode window|holds|mobile] [--clerk admin] [--seconds 10]
#                          [--clients 64] BINARY [BINARY ...]
#   e.g. scripts/bench-sales.sh /tmp/keyun-old build/release/src/cli/keyun
set -euo pipefail
mode=window clerk=admin seconds=10 clients=64 bins=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --mode) mode=$2; shift 2 ;;
    --clerk) clerk=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) bins+=("$1"); shift ;;
  esac
done
if [[ ${#bins[@]} -eq 0 ]]; then
  echo "bench-sales: name at least one keyun binary (see --help)" >&2
  exit 2
fi
client="$(dirname "$0")/../build/release/src/cli/keyun"
[[ -x "$client" ]] || client=${bins[-1]}
port=18190
for bin in "${bins[@]}"; do
  dir=$(mktemp -d /tmp/keyun-bench-sales.XXXX)
  port=$((port + 1))
  "$bin" serve --demo --port "$port" --db "$dir/k.db" --log-level warn >"$dir/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 200); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.3
  done
  ticks0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  echo "== $bin"
  "$client" bench sales --port "$port" --mode "$mode" --clerk "$clerk" --clients "$clients" \
    --seconds "$seconds" 2>&1 | grep -v "sales so far\|finding runs\|verifying" | tail -3
  ticks1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  awk -v t="$((ticks1 - ticks0))" 'BEGIN { printf "node CPU: %.2f s (run and read-back)\n", t / 100 }'
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
done
