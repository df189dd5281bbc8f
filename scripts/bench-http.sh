#!/usr/bin/env bash
# The HTTP floor side by side (docs/performance.md): nginx answering a fixed 200, the node's
# /healthz, run search and seat availability, each with `wrk -t1 -c64`, in alternating rounds
# on this machine; prints every round, the medians and the ratios the targets are stated in.
#
#   scripts/bench-http.sh [--rounds N] [--seconds S] [--keyun PATH]
set -euo pipefail

rounds=5
seconds=5
keyun=build/release/src/cli/keyun
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --keyun) keyun="$2"; shift 2 ;;
    -h|--help)
      sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
      exit 0 ;;
    *) echo "bench-http: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
if [[ ! -x "$keyun" ]]; then
  echo "bench-http: $keyun is missing; build it with scripts/demo.sh or" \
       "'cmake --build build/release', or pass --keyun PATH" >&2
  exit 1
fi
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || missing+=(nginx-light)
command -v sqlite3 >/dev/null || missing+=(sqlite3)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "bench-http: installing ${missing[*]} from Debian"
  apt-get install -y -q "${missing[@]}" >/dev/null
fi

work=$(mktemp -d)
cleanup() {
  [[ -f "$work/nginx.pid" ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [[ -n "${node_pid:-}" ]] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

nginx_port=18180
cat > "$work/nginx.conf" <<EOF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$nginx_port;
    location / { default_type application/json; return 200 '{"status":"ok"}'; }
  }
}
EOF
nginx -c "$work/nginx.conf"

echo "bench-http: seeding the demo province (a minute at most)"
"$keyun" serve --demo --port 0 --db "$work/bench.db" --log-level warn > "$work/node.out" 2>&1 &
node_pid=$!
for _ in $(seq 1 600); do
  grep -q "listening on" "$work/node.out" && break
  sleep 0.1
done
base=$(grep -o "listening on http://[0-9.:]*" "$work/node.out" | sed 's/listening on //')
if [[ -z "$base" ]]; then
  echo "bench-http: the node did not start:" >&2
  cat "$work/node.out" >&2
  exit 1
fi

# A run of tomorrow on sale, and its route's whole trip.
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%F)
read -r run from to < <(sqlite3 -separator ' ' "$work/bench.db" \
  "SELECT r.run_id, (SELECT station_code FROM route_stops WHERE route_code = r.route_code ORDER BY stop_index LIMIT 1),
          (SELECT station_code FROM route_stops WHERE route_code = r.route_code ORDER BY stop_index DESC LIMIT 1)
   FROM runs r WHERE r.run_date = '$tomorrow' AND r.status = 'open' ORDER BY r.run_id LIMIT 1")
declare -A url=(
  [nginx]="http://127.0.0.1:$nginx_port/"
  [healthz]="$base/healthz"
  [search]="$base/api/v1/runs?from=$from&to=$to&date=$tomorrow"
  [availability]="$base/api/v1/runs/$run/availability?from=$from&to=$to"
)
order=(nginx healthz search availability)
for name in search availability; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "${url[$name]}")
  [[ "$code" == 200 ]] || { echo "bench-http: $name answered $code: ${url[$name]}" >&2; exit 1; }
done

declare -A results
for round in $(seq 1 "$rounds"); do
  line="round $round/$rounds:"
  for name in "${order[@]}"; do
    rps=$(wrk -t1 -c64 -d"${seconds}s" "${url[$name]}" | awk '/Requests\/sec/ {print int($2)}')
    results[$name]+="$rps "
    line+=" $name $rps/s"
  done
  echo "$line"
done

median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A med
for name in "${order[@]}"; do med[$name]=$(median "${results[$name]}"); done
echo
echo "medians of $rounds rounds, wrk -t1 -c64 -d${seconds}s, $(nproc) cores:"
for name in "${order[@]}"; do printf '  %-13s %8d answers/s\n' "$name" "${med[$name]}"; done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo "  healthz / nginx        $(ratio "${med[healthz]}" "${med[nginx]}")   (target >= 0.70)"
echo "  search / healthz       $(ratio "${med[search]}" "${med[healthz]}")   (target >= 0.50)"
echo "  availability / healthz $(ratio "${med[availability]}" "${med[healthz]}")   (target >= 0.50, and >= 50000/s)"
