#!/usr/bin/env bash
# ops/orderly.service, ops/orderly-backup.service and ops/orderly-backup.timer
# pass `systemd-analyze verify`, and the services' exposure by
# `systemd-analyze security --offline` stays at most MAX (tenths: 20 = 2.0).
# verify needs each ExecStart's program to exist: the units are checked as a
# copy whose /usr/local/bin/orderly is the `orderly` just built.
# Usage: check_units.sh ORDERLY_BINARY SOURCE_DIR [MAX]. Exit 77: skipped.
set -euo pipefail
binary=$1 src=$2 max=${3:-20}
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIPPED: systemd-analyze is not installed"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for unit in orderly.service orderly-backup.service orderly-backup.timer; do
  sed "s|/usr/local/bin/orderly|$binary|g" "$src/ops/$unit" > "$work/$unit"
done
cd "$work"
# verify prints problems on stderr and may still exit 0: both must be clean.
systemd-analyze verify orderly.service orderly-backup.service orderly-backup.timer 2> verify.err
if [ -s verify.err ]; then
  cat verify.err
  echo "FAILED: systemd-analyze verify complained"
  exit 1
fi
for unit in orderly.service orderly-backup.service; do
  systemd-analyze security --offline=true --no-pager --threshold="$max" "$unit" | tail -1
done
echo "OK: verified, exposure at most $max/10"
