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

# shellcheck source=tests/reliability/test_binary.sh
source "$(dirname "$0")/../../reliability/test_binary.sh"
require_test_binary orderly_replication_tests api
export ORDERLY_KILL_ROUNDS="${ORDERLY_KILL_ROUNDS:-20}"
exec "$binary" --test-case='cluster: the leader killed again and again*' --success=false "$@"
