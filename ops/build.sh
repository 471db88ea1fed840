#!/usr/bin/env bash
# Configures and builds Orderly (tests and benchmarks in the same configure)
# into ./build with Ninja and ccache. Extra arguments go to the build step,
# e.g. `ops/build.sh orderly` builds only the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR="$PWD"
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DORDERLY_WERROR=ON
fi
cmake --build build -- "$@"
