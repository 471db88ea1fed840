#!/usr/bin/env bash
# Quick start: installs what is needed, builds, and runs `orderly serve` with
# its embedded defaults (RocksDB in ./data, no external server). Arguments are
# passed to `orderly serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
ops/install-deps.sh
ops/build.sh orderly
exec build/bin/orderly serve "$@"
