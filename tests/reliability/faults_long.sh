#!/usr/bin/env bash
# The fault tests' long form (issue 8). CTest runs each case once with one
# fault; this runs them again and again:
#   - the NATS cases with ORDERLY_FAULT_CYCLES outages each (default 10:
#     nats-server frozen, or killed and restarted, every 9 s under load);
#   - every case (NATS, SMTP, disk, overload) ORDERLY_FAULT_ROUNDS times
#     (default 3).
# Builds nothing: it runs the test binary the build made (ops/test.sh, or
# `cmake --build build --target orderly_fault_tests`).
#
#   tests/reliability/faults_long.sh
#   ORDERLY_FAULT_CYCLES=30 ORDERLY_FAULT_ROUNDS=5 tests/reliability/faults_long.sh
#   ORDERLY_BUILD_DIR=build-asan tests/reliability/faults_long.sh
#
# Exit status: 0 when every round of every case passed. A summary line per
# round; the full output of a failed round is kept and its path printed.
set -euo pipefail

# shellcheck source=tests/reliability/test_binary.sh
source "$(dirname "$0")/test_binary.sh"
require_test_binary orderly_fault_tests
export ORDERLY_FAULT_CYCLES="${ORDERLY_FAULT_CYCLES:-10}"
rounds="${ORDERLY_FAULT_ROUNDS:-3}"

failed=0
for round in $(seq 1 "$rounds"); do
  log="$(mktemp --suffix=.faults.log)"
  start=$(date +%s)
  set +e
  "$binary" --test-case='faults*' "$@" >"$log" 2>&1
  status=$?
  set -e
  summary="$(grep -E '^\[doctest\] test cases' "$log" || echo 'no summary')"
  echo "round $round/$rounds ($ORDERLY_FAULT_CYCLES NATS outages per case):" \
    "$summary, $(($(date +%s) - start)) s"
  grep -E 'MESSAGE: (acknowledged|[0-9]+ emails expected|[0-9]+ fault cycle|.*pushes received|attempts|[0-9]+ orders acknowledged|ready again)' "$log" |
    sed 's/^.*MESSAGE: /  /' || true
  if [ "$status" -ne 0 ]; then
    echo "  FAILED (exit $status): full output in $log"
    failed=1
  else
    rm -f "$log"
  fi
done
exit "$failed"
