#!/usr/bin/env bash
# Installs everything Orderly needs to build, test and run, from Debian 12's
# packages. Idempotent: when every package is already present it does nothing
# and takes well under a second.
set -euo pipefail

# What building the `orderly` binary needs (Release, no tests, no
# benchmarks): `ops/install-deps.sh --build` installs these alone (the build
# stage of ops/Dockerfile does).
BUILD_PACKAGES=(
  cmake g++ pkg-config ninja-build
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-system1.81-dev
  libboost-program-options1.81-dev libboost-thread1.81-dev libboost-context1.81-dev
  librocksdb-dev libnats-dev libflatbuffers-dev flatbuffers-compiler
  libsodium-dev libcurl4-openssl-dev libssl-dev
  libspdlog-dev libcli11-dev libsimdjson-dev libabsl-dev libvips-dev
)
# Everything else: tests, benchmarks, their peers and tools.
PACKAGES=(
  "${BUILD_PACKAGES[@]}"
  ccache nats-server doctest-dev libbenchmark-dev wrk python3-aiosmtpd openssl
  postgresql libpq-dev gnuplot-nox
  python3-fastapi python3-uvicorn python3-uvloop python3-httptools python3-asyncpg python3-jwt
  clang clang-tidy libclang-rt-14-dev
  chromium nodejs
  python3-pil libimage-exiftool-perl python3-yaml
)
if [ "${1:-}" = "--build" ]; then
  PACKAGES=("${BUILD_PACKAGES[@]}")
# The web pages' browser tests (tests/e2e) run playwright-core from npm with
# Node. Debian's `npm` package conflicts with a NodeSource `nodejs` (which
# ships npm itself), so it is only asked for when there is no npm at all.
elif ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "ops/install-deps.sh: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "ops/install-deps.sh: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
