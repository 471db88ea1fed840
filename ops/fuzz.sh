#!/usr/bin/env bash
# The libFuzzer targets (tests/fuzz), built with clang into ./build-fuzz.
#
#   ops/fuzz.sh build             # configure and build only
#   ops/fuzz.sh test              # build, then CTest's short run of every target
#   ops/fuzz.sh [TARGET] [SECS]   # long run of one target (default: each in turn), 300 s each
#
# Long runs keep their corpus in ./fuzz-out/corpus/TARGET (gitignored),
# started from the seeds (tests/fuzz/corpus) and past crashes
# (tests/fuzz/regressions). Any crash, leak, timeout or out-of-memory input
# is copied into tests/fuzz/regressions/TARGET/, which CTest replays from
# then on; the script then exits 1. Extra libFuzzer flags: FUZZ_ARGS="...".
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(api_json http_request event_decode replay_filter snapshot id_token)

build() {
  export CCACHE_BASEDIR="$PWD"
  if [ ! -f build-fuzz/build.ninja ]; then
    CC=clang CXX=clang++ cmake -S tests/fuzz -B build-fuzz -G Ninja
  fi
  cmake --build build-fuzz
}

# One long run; prints "TARGET: N executions in S s (R/s), corpus C, new inputs found K".
run_one() {
  local target="$1" seconds="$2"
  local corpus="fuzz-out/corpus/$target" artifacts="fuzz-out/artifacts/$target"
  local found="tests/fuzz/regressions/$target" log="fuzz-out/$target.log"
  mkdir -p "$corpus" "$artifacts" "$found"
  local dict=()
  if [ -f "tests/fuzz/dict/$target.dict" ]; then
    dict=("-dict=tests/fuzz/dict/$target.dict")
  fi
  echo "ops/fuzz.sh: $target for ${seconds}s (log: $log)"
  local status=0
  # shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
  "build-fuzz/bin/fuzz_$target" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" ${FUZZ_ARGS:-} \
    "$corpus" "tests/fuzz/corpus/$target" "$found" >"$log" 2>&1 || status=$?
  local execs
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  local crashes=0
  for f in "$artifacts"/*; do
    [ -e "$f" ] || continue
    cp "$f" "$found/"
    echo "ops/fuzz.sh: $target: $(basename "$f") kept as $found/$(basename "$f")"
    rm "$f"
    crashes=$((crashes + 1))
  done
  echo "$target: ${execs:-?} executions in ${seconds}s ($(( ${execs:-0} / seconds ))/s)," \
    "corpus $(find "$corpus" -type f | wc -l) files, exit $status, inputs kept $crashes"
  if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    grep -E "ERROR|runtime error|fuzz property|SUMMARY" "$log" | head -5 || true
    return 1
  fi
}

case "${1:-all}" in
  build)
    ops/install-deps.sh
    build
    ;;
  test)
    ops/install-deps.sh
    build
    ctest --test-dir build-fuzz --output-on-failure --timeout 300 -j2
    ;;
  -h | --help)
    sed -n '2,13p' "$0"
    ;;
  *)
    target="${1:-all}"
    seconds="${2:-300}"
    if [ "$target" != all ] && [[ ! " ${targets[*]} " == *" $target "* ]]; then
      echo "ops/fuzz.sh: no target $target (targets: ${targets[*]})" >&2
      exit 2
    fi
    ops/install-deps.sh
    build
    failed=0
    for t in "${targets[@]}"; do
      if [ "$target" = all ] || [ "$target" = "$t" ]; then
        run_one "$t" "$seconds" || failed=1
      fi
    done
    exit "$failed"
    ;;
esac
