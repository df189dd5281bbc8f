#!/usr/bin/env bash
# Quick start 1: install what is missing, build in Release, start the demo node on SQLite.
# Extra arguments go to `keyun serve` (e.g. --port 0, --db other.db).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DKEYUN_TESTS=OFF -DKEYUN_BENCH=OFF
cmake --build build/release --target keyun
exec build/release/src/cli/keyun serve --demo "$@"
