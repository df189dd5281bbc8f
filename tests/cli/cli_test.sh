#!/usr/bin/env bash
# The keyun command as a person meets it: help everywhere, clear errors with a non-zero exit
# for bad flags, a busy port and a database that cannot be opened; import/export from a shell.
# Usage: cli_test.sh /path/to/keyun
set -uo pipefail
KEYUN=${1:?usage: cli_test.sh /path/to/keyun}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$WORK"' EXIT
passed=0
failed=0

check() {  # check NAME EXPECTED_EXIT PATTERN -- command...
  local name=$1 want=$2 pattern=$3
  shift 4
  local out
  out=$("$@" 2>&1)
  local got=$?
  if [[ $got -eq $want ]] && grep -qE -- "$pattern" <<<"$out"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $name: exit $got (want $want), pattern '$pattern' in:"
    sed 's/^/    /' <<<"$out" | head -20
  fi
}

check "help lists the commands" 0 "serve.*" -- "$KEYUN" --help
for cmd in serve migrate demo-data import export; do
  check "$cmd --help" 0 "--db" -- "$KEYUN" $cmd --help
done
check "no command" 106 "subcommand" -- "$KEYUN"
check "unknown flag" 109 "--bogus" -- "$KEYUN" serve --bogus
check "port out of range" 105 "--port" -- "$KEYUN" serve --port 70000
check "unopenable database" 1 "/nonexistent-dir/x.db" -- "$KEYUN" migrate --db /nonexistent-dir/x.db
check "migrate a new database" 0 "schema version [0-9]+" -- "$KEYUN" migrate --db "$WORK/m.db"
check "migrate again is a no-op" 0 "0 migrations applied" -- "$KEYUN" migrate --db "$WORK/m.db"

# The after-sale policy file: a node does not start on a file it cannot read or that is wrong,
# and says which file, line and key.
check "serve documents the policy file" 0 "--after-sale-policy" -- "$KEYUN" serve --help
check "missing policy file is named" 1 "$WORK/none.toml" -- \
  "$KEYUN" serve --port 0 --db "$WORK/p.db" --after-sale-policy "$WORK/none.toml"
printf '[refund]\nfee_rounding = "half_yuan"\ntiers = [ { at_least_before_minutes = 0, fee_percent = 10.005, minimum_fee_yuan = "0.50" } ]\n' >"$WORK/bad-policy.toml"
check "bad policy file names the line" 2 "bad-policy.toml line 3: refund.tiers\\[0\\].fee_percent" -- \
  "$KEYUN" serve --port 0 --db "$WORK/p.db" --after-sale-policy "$WORK/bad-policy.toml"

# Busy port: a first node takes a free port, a second on the same port must refuse clearly.
"$KEYUN" serve --port 0 --db "$WORK/a.db" >"$WORK/a.log" 2>&1 &
for _ in $(seq 100); do grep -q "listening on" "$WORK/a.log" && break; sleep 0.1; done
port=$(grep -oE "listening on http://127.0.0.1:[0-9]+" "$WORK/a.log" | grep -oE "[0-9]+$")
if [[ -n "$port" ]]; then
  check "healthz answers" 0 '"status":"ok"' -- curl -sf "http://127.0.0.1:$port/healthz"
  check "busy port" 1 "cannot listen on 127.0.0.1:$port" -- "$KEYUN" serve --port "$port" --db "$WORK/b.db"
else
  failed=$((failed + 1)); echo "FAIL first node did not start:"; cat "$WORK/a.log"
fi

# The key file (docs/keys.md): every command that opens a node's database takes --key-file; a
# node creates its key file 0600 beside the SQLite file, refuses one others may read, and a
# PostgreSQL node needs one.
for cmd in serve migrate demo-data import export; do
  check "$cmd documents --key-file" 0 "--key-file" -- "$KEYUN" $cmd --help
done
check "the help says it in Chinese too" 0 "密钥文件" -- "$KEYUN" serve --help
if [[ -n "$port" ]]; then
  check "the node names its key file" 0 "key file $WORK/a.db.keys" -- cat "$WORK/a.log"
  check "the key file is 0600" 0 "^600$" -- stat -c %a "$WORK/a.db.keys"
fi
check "a PostgreSQL node needs a key file" 2 "--key-file PATH or set KEYUN_KEY_FILE" -- \
  env -u KEYUN_KEY_FILE "$KEYUN" serve --port 0 --db postgresql://keyun@127.0.0.1:1/none
"$KEYUN" migrate --db "$WORK/k.db" >/dev/null 2>&1
printf 'id_seal_key=%064d\n' 0 >"$WORK/k.db.keys"
chmod 644 "$WORK/k.db.keys"
check "a key file others may read is refused" 1 "chmod 600 $WORK/k.db.keys" -- \
  "$KEYUN" serve --port 0 --db "$WORK/k.db"
check "the refusal is in Chinese first" 1 "密钥文件 $WORK/k.db.keys 可被其他用户读写" -- \
  "$KEYUN" serve --port 0 --db "$WORK/k.db"

# Import and export from the shell: a bad file is refused whole, with every bad line named.
check "demo data" 0 "demo province seeded" -- "$KEYUN" demo-data --db "$WORK/d.db" --days 1
"$KEYUN" export --db "$WORK/d.db" --table stations --out "$WORK/stations.csv"
check "export has the header" 0 "^.?code,name,grade" -- head -1 "$WORK/stations.csv"
printf 'code,name,grade,address,pinyin,active\n370102950,新站,3,,,1\n370102951,坏站,0,,,1\n12,短码站,3,,,1\n' >"$WORK/bad.csv"
check "bad rows reported by line" 2 "line 3.*" -- "$KEYUN" import --db "$WORK/d.db" --table stations "$WORK/bad.csv"
check "every bad row is named" 2 "line 4" -- "$KEYUN" import --db "$WORK/d.db" --table stations "$WORK/bad.csv"
"$KEYUN" export --db "$WORK/d.db" --table stations --out "$WORK/after.csv"
check "nothing half-imported" 0 "" -- cmp "$WORK/stations.csv" "$WORK/after.csv"
check "unknown table" 2 "table" -- "$KEYUN" export --db "$WORK/d.db" --table nope
check "re-import of an export changes nothing" 0 "0 inserted" -- "$KEYUN" import --db "$WORK/d.db" --table stations "$WORK/stations.csv"

# keyun gate: a scanner's lines on stdin. Offline (nothing listens on port 1) it still answers
# every line, garbage included, and exits cleanly at the end of input.
check "gate help" 0 "stdin" -- "$KEYUN" gate --help
check "bench checkins help" 0 "--gates" -- "$KEYUN" bench checkins --help
check "gate needs its password in the environment" 2 "KEYUN_GATE_PASSWORD" -- \
  env -u KEYUN_GATE_PASSWORD "$KEYUN" gate --station 370102001 --gate 3 --journal "$WORK/g0.journal"
printf 'hello\nKY1:NOT-A-VOUCHER\n\n\x01\x02garbage\n' >"$WORK/scans.txt"
check "offline gate says so" 0 "OFFLINE" -- env KEYUN_GATE_PASSWORD=x "$KEYUN" gate \
  --node http://127.0.0.1:1 --station 370102001 --gate 3 --journal "$WORK/g1.journal" <"$WORK/scans.txt"
check "garbage is refused, not fatal" 0 "damaged" -- env KEYUN_GATE_PASSWORD=x "$KEYUN" gate --json \
  --node http://127.0.0.1:1 --station 370102001 --gate 3 --journal "$WORK/g1.journal" <"$WORK/scans.txt"
check "nothing journaled" 0 "^0 " -- wc -c "$WORK/g1.journal"

# Online against a demo node: it syncs, and an ID card with no ticket is refused as such.
"$KEYUN" serve --port 0 --db "$WORK/d.db" >"$WORK/d.log" 2>&1 &
for _ in $(seq 100); do grep -q "listening on" "$WORK/d.log" && break; sleep 0.1; done
dport=$(grep -oE "listening on http://127.0.0.1:[0-9]+" "$WORK/d.log" | grep -oE "[0-9]+$")
if [[ -n "$dport" ]]; then
  printf '11010519491231002X\n' >"$WORK/id.txt"
  check "online gate syncs" 0 "ONLINE" -- env KEYUN_GATE_PASSWORD=keyun-demo "$KEYUN" gate \
    --node "http://127.0.0.1:$dport" --station 370102001 --gate 3 --journal "$WORK/g2.journal" <"$WORK/id.txt"
  check "an ID without a ticket" 0 '"reason":"no_ticket"' -- env KEYUN_GATE_PASSWORD=keyun-demo "$KEYUN" gate \
    --json --node "http://127.0.0.1:$dport" --station 370102001 --gate 3 --journal "$WORK/g2.journal" <"$WORK/id.txt"
  check "the last feed is kept, without the ID hash key" 1 "^0$" -- grep -c id_hash_key "$WORK/g2.journal.feed"
  check "restarted offline, the gate uses its saved feed" 0 "using the feed saved" -- env KEYUN_GATE_PASSWORD=keyun-demo \
    "$KEYUN" gate --node http://127.0.0.1:1 --station 370102001 --gate 3 --journal "$WORK/g2.journal" </dev/null
  check "a wrong password is reported" 0 "OFFLINE.*401" -- env KEYUN_GATE_PASSWORD=wrong "$KEYUN" gate \
    --node "http://127.0.0.1:$dport" --station 370102001 --gate 3 --journal "$WORK/g3.journal" </dev/null
  # The check-in bench sells, checks every voucher in once, and puts the station's window back.
  check "bench checkins" 0 "30 check-ins.*0 refused, 0 errors" -- env KEYUN_BENCH_PASSWORD=keyun-demo \
    "$KEYUN" bench checkins --port "$dport" --gates 4 --tickets 30
  # The sales bench in each mode: whole sales, every one read back as it was answered.
  for mode in holds window mobile; do
    check "bench sales $mode" 0 "bench sales \($mode\).* [1-9][0-9]* sales.* 0 errors.*read back: [1-9][0-9]* as answered, 0 not, 0 seat segments sold twice" -- \
      env KEYUN_BENCH_PASSWORD=keyun-demo "$KEYUN" bench sales --mode "$mode" --port "$dport" --clients 4 --seconds 1 --days 2
  done
  check "bench sales: an unknown mode" 105 "--mode: fast not in" -- "$KEYUN" bench sales --mode fast --port "$dport"
  check "the window is put back" 0 '"opens_before_minutes":40' -- curl -sf \
    -H "Authorization: Bearer $(curl -sf -X POST -d '{"username":"gate","password":"keyun-demo"}' \
      "http://127.0.0.1:$dport/api/v1/session" | grep -oE '"token":"[^"]+"' | cut -d'"' -f4)" \
    "http://127.0.0.1:$dport/api/v1/stations/370102001/checkin-window"
else
  failed=$((failed + 1)); echo "FAIL demo node did not start:"; cat "$WORK/d.log"
fi

echo "cli: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
