#!/usr/bin/env bash
# Builds the test suite with sanitizers in its own directory and runs it:
#   ops/sanitize.sh asan   # AddressSanitizer + UndefinedBehaviorSanitizer
#   ops/sanitize.sh tsan   # ThreadSanitizer (see ops/tsan.supp)
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-asan}"
case "$kind" in
  asan) flags="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" ;;
  tsan) flags="-O1 -g -fsanitize=thread -fno-omit-frame-pointer" ;;
  *) echo "usage: $0 asan|tsan" >&2; exit 2 ;;
esac
ops/install-deps.sh
export CCACHE_BASEDIR="$PWD"
cmake -S . -B "build-$kind" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DORDERLY_BUILD_BENCHMARKS=OFF \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="${flags##*-O1 -g }"
cmake --build "build-$kind"
export ASAN_OPTIONS="detect_leaks=1"
export UBSAN_OPTIONS="print_stacktrace=1"
export TSAN_OPTIONS="suppressions=$PWD/ops/tsan.supp history_size=7 second_deadlock_stack=1"
ctest --test-dir "build-$kind" --output-on-failure --timeout 1800 -j2
