#!/usr/bin/env bash
# Installs what is needed, builds everything and runs the whole test suite.
# This is exactly what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
ops/install-deps.sh
ops/build.sh
ctest --test-dir build --output-on-failure --timeout 900 -j2
