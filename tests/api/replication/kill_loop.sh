#!/usr/bin/env bash
# The replicated kill loop's long form (issue 25): three nats-servers and
# three `orderly serve --replicate` under HTTP order load, the leader
# SIGKILLed ORDERLY_KILL_ROUNDS times (default 20), each killed node started
# again as a follower; then a node with another secret refused and one from
# a backup joining; every acknowledged order on every node once, `verify`
# clean, the logs identical. It prints the median and worst failover time.
# Builds nothing: it runs the test binary the build made (ops/test.sh, or
# `cmake --build build --target orderly_replication_tests`).
#
#   tests/api/replication/kill_loop.sh               # 20 rounds
#   ORDERLY_KILL_ROUNDS=50 tests/api/replication/kill_loop.sh
#   ORDERLY_BUILD_DIR=build-asan tests/api/replication/kill_loop.sh
#
# Exit status: the test's.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${ORDERLY_BUILD_DIR:-$here/../../../build}"
binary="$build/tests/api/orderly_replication_tests"
if [ ! -x "$binary" ]; then
  echo "$(basename "$0"): $binary is not built" \
    "(cmake --build build --target orderly_replication_tests)" >&2
  exit 2
fi
export ORDERLY_KILL_ROUNDS="${ORDERLY_KILL_ROUNDS:-20}"
exec "$binary" --test-case='cluster: the leader killed again and again*' --success=false "$@"
