#!/usr/bin/env bash
# Quick start 2: install what is missing, build everything, run every test (ctest): unit,
# contract suites on SQLite and a real PostgreSQL server, HTTP integration and browser tests;
# then the same suite again in an AddressSanitizer + UndefinedBehaviorSanitizer build.
# KEYUN_SKIP_SANITIZE=1 skips the second pass (for a quick local run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
if [[ -f tests/browser/package.json ]]; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "== build and test (RelWithDebInfo)"
cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build/test
(cd build/test && ctest --output-on-failure --timeout 600 -j2 "$@")

if [[ "${KEYUN_SKIP_SANITIZE:-0}" != "1" ]]; then
  echo "== build and test again under ASan + UBSan"
  cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DKEYUN_SANITIZE=ON -DKEYUN_BENCH=OFF
  cmake --build build/asan
  (cd build/asan && ctest --output-on-failure --timeout 600 -j2 "$@")
fi
