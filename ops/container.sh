#!/usr/bin/env bash
# Builds and checks Orderly's container image (ops/Dockerfile) with podman,
# without any registry: the Debian 12 base image is made here with
# debootstrap from Debian's mirror. Not run by CI (it downloads a Debian
# base system and compiles the engine from scratch: see docs/deployment.md
# for how long it takes).
#
#   ops/container.sh base    debootstrap bookworm -> localhost/orderly-base:bookworm
#                            (skipped when that image exists)
#   ops/container.sh build   ops/Dockerfile -> localhost/orderly:latest, timed
#   ops/container.sh check   run the image on a loopback port, wait for /ready,
#                            register a customer and place an order, stop it
#                            (SIGTERM) and check it exited 0
#   ops/container.sh all     the three in turn
#
# Isolation: podman's OCI runtime (crun) when it can run a container here;
# where it cannot (a sandbox that refuses crun's setrlimit or cgroups), the
# build's RUN steps use `--isolation chroot`, and `check` runs the image's
# filesystem with `buildah run --isolation chroot` (host network, the
# image's user and environment). Force one with ORDERLY_ISOLATION=oci|chroot.
# Environment: ORDERLY_MIRROR (default http://deb.debian.org/debian),
# ORDERLY_CONTAINER_WORK (default /var/tmp/orderly-container), ORDERLY_PORT
# (default 18480).
set -euo pipefail
cd "$(dirname "$0")/.."
base=localhost/orderly-base:bookworm
image=localhost/orderly:latest
work="${ORDERLY_CONTAINER_WORK:-/var/tmp/orderly-container}"
mirror="${ORDERLY_MIRROR:-http://deb.debian.org/debian}"
port="${ORDERLY_PORT:-18480}"

isolation() {
  if [ -n "${ORDERLY_ISOLATION:-}" ]; then
    echo "$ORDERLY_ISOLATION"
  elif podman run --rm "$base" true >/dev/null 2>"$work/oci-probe.err"; then
    echo oci
  else
    echo "ops/container.sh: podman cannot run a container here ($(tail -1 "$work/oci-probe.err")): using chroot isolation" >&2
    echo chroot
  fi
}

make_base() {
  if podman image exists "$base"; then
    echo "ops/container.sh: $base exists"
    return
  fi
  mkdir -p "$work"
  rm -rf "$work/rootfs"
  local t0=$SECONDS
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror"
  tar -C "$work/rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - "$base"
  rm -rf "$work/rootfs"
  echo "ops/container.sh: $base made in $((SECONDS - t0)) s"
}

build() {
  mkdir -p "$work"
  local iso t0=$SECONDS
  iso=$(isolation)
  podman build --format docker --isolation "$iso" --build-arg BASE_IMAGE="$base" \
    -f ops/Dockerfile -t "$image" .
  echo "ops/container.sh: $image built in $((SECONDS - t0)) s ($iso isolation)"
  podman image inspect "$image" --format 'size: {{.Size}} bytes'
}

# One order through the API of the engine at $1 (http://127.0.0.1:PORT).
place_order() {
  local url=$1 token product order
  token=$(curl -fsS -X POST "$url/api/auth/register" -H 'Content-Type: application/json' \
    -d '{"username":"container_check","email":"container-check@example.com","password":"a long enough passphrase 7"}' |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  product=$(curl -fsS "$url/api/products?q=espresso&per_page=1" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
  order=$(curl -fsS -X POST "$url/api/orders" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' \
    -d "{\"items\":[{\"product_id\":\"$product\",\"quantity\":1}]}")
  echo "ops/container.sh: order placed: $order" | cut -c1-300
  echo "$order" | /usr/bin/python3 -c 'import json,sys; o=json.load(sys.stdin)["order"]; assert o["status"]=="pending", o'
}

wait_ready() {
  local url=$1
  for _ in $(seq 1 1200); do
    if curl -fsS -o /dev/null "$url/ready" 2>/dev/null; then
      echo "ops/container.sh: $url/ready answered 200"
      return 0
    fi
    sleep 0.1
  done
  echo "ops/container.sh: $url/ready never answered 200" >&2
  return 1
}

check() {
  mkdir -p "$work"
  local iso url="http://127.0.0.1:$port" status
  iso=$(isolation)
  if [ "$iso" = oci ]; then
    podman rm -f orderly-check >/dev/null 2>&1 || true
    podman run -d --name orderly-check --stop-timeout 60 -p "127.0.0.1:$port:8080" "$image"
    wait_ready "$url" || { podman logs orderly-check | tail -20; exit 1; }
    place_order "$url"
    podman healthcheck run orderly-check && echo "ops/container.sh: HEALTHCHECK passed"
    podman stop -t 60 orderly-check >/dev/null
    status=$(podman inspect orderly-check --format '{{.State.ExitCode}}')
    podman rm orderly-check >/dev/null
  else
    # The image's filesystem, user, working directory and environment, run
    # in a chroot on the host's network (so on a loopback port of its own).
    local ctr pid
    ctr=$(buildah from "$image")
    rm -rf "$work/check-data"
    mkdir -p "$work/check-data"
    chown 10001:10001 "$work/check-data"
    chmod 700 "$work/check-data"
    buildah run --isolation chroot -v "$work/check-data:/data" \
      --env ORDERLY_HTTP_ADDRESS="127.0.0.1:$port" "$ctr" -- /usr/local/bin/orderly serve \
      >"$work/check.log" 2>&1 &
    pid=$!
    if ! wait_ready "$url"; then
      tail -20 "$work/check.log"
      kill "$pid" 2>/dev/null || true
      buildah rm "$ctr" >/dev/null
      exit 1
    fi
    place_order "$url"
    # The image's HEALTHCHECK command, as the image's shell runs it.
    buildah run --isolation chroot --env ORDERLY_HTTP_ADDRESS="127.0.0.1:$port" "$ctr" -- \
      /bin/sh -c 'curl -fsS -o /dev/null "http://127.0.0.1:${ORDERLY_HTTP_ADDRESS##*:}/ready"' &&
      echo "ops/container.sh: the HEALTHCHECK command passed"
    # SIGTERM to the engine (buildah run's child in the chroot).
    pkill -TERM -P "$(pgrep -P "$pid" | head -1)" 2>/dev/null || true
    local engine
    engine=$(pgrep -f "^/usr/local/bin/orderly serve" -P "$(pgrep -P "$pid" | head -1)" || true)
    status=0
    wait "$pid" || status=$?
    buildah rm "$ctr" >/dev/null
    grep -o '"closed cleanly[^"]*"' "$work/check.log" || true
  fi
  echo "ops/container.sh: the engine exited with status $status"
  [ "$status" = 0 ]
}

case "${1:-}" in
  base) make_base ;;
  build) build ;;
  check) check ;;
  all) make_base && build && check ;;
  *)
    sed -n '2,24p' "$0"
    exit 2
    ;;
esac
