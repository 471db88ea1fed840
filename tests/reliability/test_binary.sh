# shellcheck shell=bash
# Sourced by the long-form scripts (reliability/faults_long.sh,
# reliability/kill_loop.sh, api/replication/kill_loop.sh), which build
# nothing: they run a test binary the build made.
#
# require_test_binary NAME [DIR] sets $binary to tests/DIR/NAME (DIR
# defaults to reliability) in the build (./build, or ORDERLY_BUILD_DIR), or
# exits 2 saying how to build it.
require_test_binary() {
  local here build
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  build="${ORDERLY_BUILD_DIR:-$here/../../build}"
  binary="$build/tests/${2:-reliability}/$1"
  if [ ! -x "$binary" ]; then
    echo "$(basename "$0"): $binary is not built" \
      "(cmake --build build --target $1)" >&2
    exit 2
  fi
}
