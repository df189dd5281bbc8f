#!/usr/bin/env bash
# Installs the Debian 12 packages keyun needs, only those that are missing.
#   scripts/install-deps.sh          build and run (demo)
#   scripts/install-deps.sh --test   also what the tests need (PostgreSQL, Chromium, zbar, ...)
# libFuzzer is clang-14's -fsanitize=fuzzer, whose runtime (libclang_rt.fuzzer) is in
# libclang-rt-14-dev: clang-14 only recommends it, and recommends are not installed here.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libpq-dev libsodium-dev nlohmann-json3-dev libexpected-dev
  libcli11-dev libspdlog-dev libfmt-dev libtomlplusplus-dev
  libqrencode-dev libpng-dev libcairo2-dev libpango1.0-dev fonts-noto-cjk
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(
    libgtest-dev libgmock-dev libbenchmark-dev
    libcpp-httplib-dev postgresql-15 chromium zbar-tools poppler-utils curl
    clang-14 libclang-rt-14-dev
  )
  command -v npm >/dev/null || packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
