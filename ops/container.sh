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
#   ops/container.sh stack   the services of ops/compose.yaml from their images
#                            (nats and smtp-sink targets built first): three
#                            NATS servers in one JetStream cluster, the SMTP
#                            sink, the admin bootstrap, `serve --no-email-notifier`,
#                            `notify email` and `notify websocket`; an order
#                            placed must come out as an email in the sink
#   ops/container.sh all     base, build and check in turn
#
# Isolation: podman's OCI runtime (crun) when it can run a container here;
# where it cannot (a sandbox that refuses crun's setrlimit or cgroups), the
# build's RUN steps use `--isolation chroot`, and `check` runs the image's
# filesystem with `buildah run --isolation chroot` (host network, the
# image's user and environment). Force one with ORDERLY_ISOLATION=oci|chroot.
# `stack` runs each service with `buildah run --isolation chroot` on
# loopback ports (the compose file's commands and environment, with
# 127.0.0.1 for the service names): it checks the images and the commands,
# not Compose itself (docs/deployment.md, "What was checked"). The checks
# mount their directories under /srv: here a `buildah run -v` onto a path
# the image declares as a VOLUME (/data, /mail) did not reach the process.
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
  # The packages debootstrap downloaded and its package lists: not in the image.
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
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
  podman image inspect "$image" --format 'size: {{.Size}} bytes; user {{.Config.User}}; stop signal {{.Config.StopSignal}}; volumes {{.Config.Volumes}}'
  podman image inspect "$image" --format 'healthcheck: {{json .HealthCheck}}'
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

# Every descendant of process $1.
descendants() {
  local p
  for p in $(pgrep -P "$1"); do
    echo "$p"
    descendants "$p"
  done
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
    chown 10001 "$work/check-data"  # the image's user, orderly
    chmod 700 "$work/check-data"
    buildah run --isolation chroot -v "$work/check-data:/srv/data" --env ORDERLY_DATA_DIR=/srv/data \
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
    # SIGTERM to the engine itself (buildah run does not forward it): the
    # `orderly` process among buildah's descendants.
    local engine
    engine=$(for p in $(descendants "$pid"); do
      [ "$(cat "/proc/$p/comm" 2>/dev/null)" = orderly ] && echo "$p"
    done | head -1)
    [ -n "$engine" ] || { echo "ops/container.sh: the engine's process was not found" >&2; exit 1; }
    local t0=$SECONDS
    kill -TERM "$engine"
    status=0
    wait "$pid" || status=$?
    echo "ops/container.sh: stopped by SIGTERM in $((SECONDS - t0)) s"
    # What it acknowledged is on disk: the image's `orderly verify`.
    # (ORDERLY_DATA_DIR rather than --data-dir: an `orderly` from before
    # the flag's precedence was fixed, such as the image measured in
    # docs/deployment.md, let the image's ORDERLY_DATA_DIR=/data win.)
    buildah run --isolation chroot -v "$work/check-data:/srv/data" --env ORDERLY_DATA_DIR=/srv/data \
      "$ctr" -- /usr/local/bin/orderly verify || status=$?
    buildah rm "$ctr" >/dev/null
    grep -o '"closed cleanly[^"]*"' "$work/check.log" || true
  fi
  echo "ops/container.sh: the engine exited with status $status"
  [ "$status" = 0 ]
}

# `buildah run --isolation chroot ARGS...` in the background, its output
# in $work/stack/NAME.log; the run's PID is appended to stack_pids.
stack_pids=()
start_service() {
  local name=$1
  shift
  buildah run --isolation chroot "$@" >"$work/stack/$name.log" 2>&1 &
  stack_pids+=("$!")
  echo "ops/container.sh: started $name"
}

# SIGTERM to the program each buildah run started (buildah does not forward
# it), then waits for every run; its exit statuses on one line.
stop_services() {
  local pid p statuses=""
  for pid in "${stack_pids[@]}"; do
    for p in $(descendants "$pid"); do
      case "$(cat "/proc/$p/comm" 2>/dev/null)" in
        orderly | nats-server | python3) kill -TERM "$p" 2>/dev/null || true ;;
      esac
    done
  done
  for pid in "${stack_pids[@]}"; do
    local st=0
    wait "$pid" || st=$?
    statuses="$statuses $st"
  done
  echo "ops/container.sh: exit statuses:$statuses"
}

stack() {
  podman build --format docker --isolation chroot --build-arg BASE_IMAGE="$base" \
    --target nats -f ops/Dockerfile -t localhost/orderly-nats:latest .
  podman build --format docker --isolation chroot --build-arg BASE_IMAGE="$base" \
    --target smtp-sink -f ops/Dockerfile -t localhost/orderly-smtp-sink:latest .
  rm -rf "$work/stack"
  mkdir -p "$work/stack"/{nats1,nats2,nats3,mail/new,mail/cur,mail/tmp,data,email-data,ws-data,secrets}
  chown 100:101 "$work/stack"/nats{1,2,3}  # Debian's nats user in the nats image
  chown -R 10003 "$work/stack/mail"  # the sink's user
  chown 10001 "$work/stack"/{data,email-data,ws-data}  # the image's user, orderly
  chmod 700 "$work/stack"/{data,email-data,ws-data}
  (umask 022 && head -c 24 /dev/urandom | base64 >"$work/stack/secrets/notifier_password")
  local nats_ctr smtp_ctr ctr http=18490 ws=18491 smtp=18492
  local nats_urls="nats://127.0.0.1:18421,nats://127.0.0.1:18422,nats://127.0.0.1:18423"
  nats_ctr=$(buildah from localhost/orderly-nats:latest)
  smtp_ctr=$(buildah from localhost/orderly-smtp-sink:latest)
  ctr=$(buildah from "$image")
  local i j routes
  for i in 1 2 3; do
    routes=""
    for j in 1 2 3; do
      [ "$j" = "$i" ] || routes="${routes:+$routes,}nats://127.0.0.1:1862$j"
    done
    start_service "nats$i" -v "$work/stack/nats$i:/srv/nats" "$nats_ctr" -- \
      /usr/sbin/nats-server -js -sd /srv/nats -a 127.0.0.1 -p "1842$i" -m "1852$i" \
      --server_name "n$i" --cluster_name orderly --cluster "nats://127.0.0.1:1862$i" --routes "$routes"
  done
  start_service smtp -v "$work/stack/mail:/srv/mail" "$smtp_ctr" -- \
    /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$smtp" -c aiosmtpd.handlers.Mailbox /srv/mail
  # The compose health checks, by hand: every NATS server healthy.
  for i in 1 2 3; do
    for _ in $(seq 1 300); do
      curl -fsS -o /dev/null "http://127.0.0.1:1852$i/healthz" 2>/dev/null && break
      sleep 0.1
    done
  done
  local secrets="$work/stack/secrets:/run/secrets"
  # orderly-init, as compose runs it (twice: the second finds the account).
  local init='/usr/local/bin/orderly admin list-users --role admin --json | grep -q '"'"'"notifier@orderly.invalid"'"'"' || /usr/local/bin/orderly admin create-user --username notifier --email notifier@orderly.invalid --password-file /run/secrets/notifier_password'
  for _ in 1 2; do
    buildah run --isolation chroot -v "$work/stack/data:/srv/data" --env ORDERLY_DATA_DIR=/srv/data \
      -v "$secrets" "$ctr" -- /bin/sh -c "$init"
  done
  echo "ops/container.sh: orderly-init ran twice"
  start_service orderly -v "$work/stack/data:/srv/data" --env ORDERLY_DATA_DIR=/srv/data \
    --env ORDERLY_NATS_URL="$nats_urls" --env ORDERLY_PUBLIC_URL="http://127.0.0.1:$http" \
    --env ORDERLY_HTTP_ADDRESS="127.0.0.1:$http" "$ctr" -- \
    /usr/local/bin/orderly serve --no-email-notifier
  wait_ready "http://127.0.0.1:$http" || { stop_services; tail "$work/stack/orderly.log"; exit 1; }
  local notifier_env=(--env ORDERLY_NATS_URL="$nats_urls" --env ORDERLY_ENGINE_URL="http://127.0.0.1:$http"
    --env ORDERLY_ENGINE_EMAIL=notifier@orderly.invalid
    --env ORDERLY_ENGINE_PASSWORD_FILE=/run/secrets/notifier_password -v "$secrets"
    --env ORDERLY_DATA_DIR=/srv/data)
  start_service notify-email "${notifier_env[@]}" -v "$work/stack/email-data:/srv/data" \
    --env ORDERLY_SMTP_URL="smtp://127.0.0.1:$smtp" --env ORDERLY_SMTP_TLS=off \
    --env ORDERLY_PUBLIC_URL="http://127.0.0.1:$http" --env ORDERLY_MAIL_FROM=orders@orderly.invalid \
    "$ctr" -- /usr/local/bin/orderly notify email
  start_service notify-websocket "${notifier_env[@]}" -v "$work/stack/ws-data:/srv/data" \
    --env ORDERLY_NOTIFY_HTTP_ADDRESS="127.0.0.1:$ws" "$ctr" -- /usr/local/bin/orderly notify websocket
  local ok=1
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "http://127.0.0.1:$ws/health" 2>/dev/null && break
    sleep 0.1
  done
  curl -fsS "http://127.0.0.1:$ws/health" && echo || ok=0
  place_order "http://127.0.0.1:$http" || ok=0
  # The order's email, through NATS, notify email and SMTP, in the sink.
  local found="" f
  for _ in $(seq 1 600); do
    for f in "$work/stack/mail/new/"*; do
      if grep -q -i 'container-check@example.com' "$f" 2>/dev/null && grep -q '^Subject: Order' "$f"; then
        found=$f
      fi
    done
    [ -n "$found" ] && break
    sleep 0.1
  done
  if [ -n "$found" ]; then
    echo "ops/container.sh: an email reached the SMTP sink: $(grep -m1 -i '^Subject:' "$found")"
  else
    echo "ops/container.sh: no email reached the SMTP sink" >&2
    ok=0
  fi
  stop_services
  buildah rm "$nats_ctr" "$smtp_ctr" "$ctr" >/dev/null
  [ "$ok" = 1 ]
}

case "${1:-}" in
  base) make_base ;;
  build) build ;;
  check) check ;;
  stack) stack ;;
  all) make_base && build && check ;;
  *)
    sed -n '2,36p' "$0"
    exit 2
    ;;
esac
