#!/usr/bin/env bash
# Quick start 2: install what is missing, build everything, run every test (ctest): unit,
# contract suites on SQLite and a real PostgreSQL server, HTTP integration and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
if [[ -f tests/browser/package.json ]]; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build/test
cd build/test
ctest --output-on-failure --timeout 600 -j2 "$@"
