#!/usr/bin/env bash
# clang-tidy over the engine's sources (checks in .clang-tidy: bugprone-*,
# performance-*; any finding fails). Needs a configured ./build (its
# compile_commands.json).
#   ops/tidy.sh --all        every translation unit of core, eventstore,
#                            commands, projections, api (about 110; ~8 min
#                            on 2 cores)
#   ops/tidy.sh [--since REV] only those changed since REV (a changed header
#                            brings the .cpp of the same name), by default
#                            since ops/tidy-base: the last commit at which
#                            --all was clean. CI runs this form (CTest
#                            `tidy: ...`), so each change is checked
#                            without paying for the whole tree.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
build="${ORDERLY_BUILD_DIR:-build}"
jobs="${ORDERLY_TIDY_JOBS:-2}"
mode=since
base="$(cat ops/tidy-base)"
case "${1:-}" in
  --all) mode=all ;;
  --since) base="$2" ;;
  --since-base | "") ;;
  *) echo "usage: ops/tidy.sh [--all | --since REV | --since-base]" >&2; exit 2 ;;
esac
if [ ! -f "$build/compile_commands.json" ]; then
  echo "tidy: no $build/compile_commands.json: run ops/build.sh first" >&2
  exit 2
fi
# The translation units the build compiles, as paths relative to the root.
mapfile -t units < <(python3 - "$build/compile_commands.json" "$root" <<'PY'
import json, os, sys
root = sys.argv[2]
for e in json.load(open(sys.argv[1])):
    f = os.path.relpath(os.path.join(e["directory"], e["file"]), root)
    if f.split("/")[0] in ("core", "eventstore", "commands", "projections", "api"):
        print(f)
PY
)
if [ "$mode" = since ]; then
  if ! git cat-file -e "$base^{commit}" 2>/dev/null; then
    echo "tidy: base $base is not in this clone: checking every unit" >&2
    mode=all
  fi
fi
if [ "$mode" = all ]; then
  files=("${units[@]}")
else
  mapfile -t changed < <({ git diff --name-only "$base" --; git ls-files --others --exclude-standard; } |
                         sed -e 's/\.h$/.cpp/' | sort -u)
  files=()
  for f in "${changed[@]}"; do
    for u in "${units[@]}"; do
      if [ "$f" = "$u" ]; then files+=("$f"); break; fi
    done
  done
fi
if [ "$mode" = all ]; then what="every unit"; else what="changed since $base"; fi
echo "tidy: ${#files[@]} translation unit(s), $what"
[ "${#files[@]}" -eq 0 ] && exit 0
# Findings in our own headers count too; generated and system headers do not.
filter="^$root/(core|eventstore|commands|projections|api)/"
printf '%s\n' "${files[@]}" |
  xargs -P "$jobs" -n 1 clang-tidy -p "$build" --quiet --header-filter="$filter" 2> >(grep -v "warnings generated" >&2)
