#!/usr/bin/env bash
# Installs what is needed, builds everything and runs the whole test suite.
# This is exactly what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
ops/install-deps.sh
ops/build.sh
ctest --test-dir build --output-on-failure --timeout 900 -j2
# The libFuzzer targets (tests/fuzz, a clang build of its own in ./build-fuzz):
# every seed and past crash replayed, then a 15 s run of each target.
ops/fuzz.sh test
