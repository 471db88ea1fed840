#!/usr/bin/env bash
# The kill loop's long form (issue 8): `orderly serve` killed with SIGKILL
# ORDERLY_KILLS times (default 25) under concurrent HTTP load, the crash
# image verified and rebuilt after every kill, the engine audited against
# every acknowledged answer after every restart. Builds nothing: it runs the
# test binary that the build made (ops/test.sh, or
# `cmake --build build --target orderly_kill_loop_tests`).
#
#   tests/reliability/kill_loop.sh                 # 25 kills
#   ORDERLY_KILLS=100 tests/reliability/kill_loop.sh
#   ORDERLY_KILL_SEED=42 tests/reliability/kill_loop.sh   # the same random choices
#   ORDERLY_BUILD_DIR=build-asan tests/reliability/kill_loop.sh
#
# Exit status: the test's (0 when nothing was lost, doubled or oversold).
set -euo pipefail

# shellcheck source=tests/reliability/test_binary.sh
source "$(dirname "$0")/test_binary.sh"
require_test_binary orderly_kill_loop_tests
export ORDERLY_KILLS="${ORDERLY_KILLS:-25}"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
"$binary" --test-case='kill loop*' "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

echo
echo "== kill loop (ORDERLY_KILLS=$ORDERLY_KILLS): exit status $status =="
grep -o 'kill loop summary.*' "$log" || echo "(no summary: the run stopped before the end)"
exit "$status"
