#!/usr/bin/env bash
# Fuzzes the voucher decoder, verifier and gate (tests/checkin/voucher_fuzz.cc) with libFuzzer
# from Debian's clang for a bounded time; fails if the fuzzer finds a crash, a sanitizer report
# or a broken invariant. ctest runs it as checkin.voucher_fuzz.
#
#   tests/checkin/fuzz_voucher.sh <work dir> [seconds]      (default: $KEYUN_FUZZ_SECONDS or 60)
#
# In <work dir>: build/ (a clang++ build of tests/checkin/fuzz, incremental), seeds/ (genuine
# vouchers, rewritten every run), corpus/ (what the fuzzer found interesting; kept between
# runs so coverage accumulates) and artifacts/ (a crashing input, if any: rerun it with
# `<work dir>/build/voucher_fuzz <file>`).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:?usage: fuzz_voucher.sh <work dir> [seconds]}
seconds=${2:-${KEYUN_FUZZ_SECONDS:-60}}

cxx=${KEYUN_FUZZ_CXX:-$(command -v clang++-14 || command -v clang++ || true)}
if [[ -z "$cxx" ]]; then
  echo "fuzz_voucher: no clang++; scripts/install-deps.sh --test installs clang-14 and" \
       "libclang-rt-14-dev (libFuzzer)" >&2
  exit 1
fi

mkdir -p "$work"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if ! cmake -S "$root/tests/checkin/fuzz" -B "$work/build" "${generator[@]}" \
     -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$work/configure.log" 2>&1; then
  cat "$work/configure.log" >&2
  exit 1
fi
cmake --build "$work/build" --parallel "${KEYUN_FUZZ_JOBS:-2}"

rm -rf "$work/seeds" "$work/artifacts"
mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts"
"$work/build/voucher_seeds" "$work/seeds"

# New inputs go to corpus/ (the first directory); seeds/ is read only.
echo "fuzz_voucher: fuzzing for ${seconds}s"
status=0
"$work/build/voucher_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=1024 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
  "$work/corpus" "$work/seeds" || status=$?
if ((status != 0)); then
  echo "fuzz_voucher: the fuzzer failed (exit $status); the input is in $work/artifacts/:" >&2
  ls -l "$work/artifacts" >&2
  exit 1
fi
echo "fuzz_voucher: no crash in ${seconds}s"
