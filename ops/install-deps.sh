#!/usr/bin/env bash
# Installs everything Orderly needs to build, test and run, from Debian 12's
# packages. Idempotent: when every package is already present it does nothing
# and takes well under a second.
set -euo pipefail

PACKAGES=(
  cmake g++ pkg-config ninja-build ccache
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-system1.81-dev
  libboost-program-options1.81-dev libboost-thread1.81-dev libboost-context1.81-dev
  librocksdb-dev libnats-dev nats-server libflatbuffers-dev flatbuffers-compiler
  doctest-dev libbenchmark-dev libsodium-dev libcurl4-openssl-dev libssl-dev
  libspdlog-dev libcli11-dev libsimdjson-dev libabsl-dev wrk python3-aiosmtpd openssl
  postgresql libpq-dev gnuplot-nox
  python3-fastapi python3-uvicorn python3-uvloop python3-httptools python3-asyncpg python3-jwt
  clang clang-tidy libclang-rt-14-dev
  chromium nodejs
  libvips-dev python3-pil libimage-exiftool-perl
)
# The web pages' browser tests (tests/e2e) run playwright-core from npm with
# Node. Debian's `npm` package conflicts with a NodeSource `nodejs` (which
# ships npm itself), so it is only asked for when there is no npm at all.
if ! command -v npm >/dev/null 2>&1; then
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
