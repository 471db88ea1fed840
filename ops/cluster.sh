#!/usr/bin/env bash
# A replicated Orderly for development (issue 25): three nats-server -js in
# one JetStream cluster and three `orderly serve --replicate` nodes, all on
# loopback, each with its own directory under $ORDERLY_CLUSTER_DIR
# (default ./cluster-data). One node leads (commands), all serve queries;
# a follower answers commands with 307 to the leader.
#
#   ops/cluster.sh start     build if needed, start everything, wait for a leader
#   ops/cluster.sh status    each node's role, term and log position (/health)
#   ops/cluster.sh kill N    SIGKILL engine N (1..3): watch another take over
#   ops/cluster.sh start-node N   start engine N again (it rejoins as a follower)
#   ops/cluster.sh stop      stop everything (engines first, gracefully)
#
# Ports: NATS clients 14221-14223, NATS routes 16221-16223, HTTP 18081-18083.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
dir="${ORDERLY_CLUSTER_DIR:-$root/cluster-data}"
nats_urls="nats://127.0.0.1:14221,nats://127.0.0.1:14222,nats://127.0.0.1:14223"
secret="$dir/jwt.secret"

start_nats() {
  local i=$1 routes=""
  for j in 1 2 3; do
    [ "$j" = "$i" ] || routes="${routes:+$routes,}nats://127.0.0.1:1622$j"
  done
  mkdir -p "$dir/nats$i"
  setsid nohup /usr/sbin/nats-server -js -a 127.0.0.1 -p "1422$i" --server_name "n$i" \
    --cluster_name orderly --cluster "nats://127.0.0.1:1622$i" --routes "$routes" \
    -sd "$dir/nats$i" > "$dir/nats$i.log" 2>&1 &
  echo $! > "$dir/nats$i.pid"
}

start_node() {
  local i=$1
  mkdir -p "$dir/node$i"
  setsid nohup "$root/build/bin/orderly" serve --data-dir "$dir/node$i/data" \
    --http-address "127.0.0.1:1808$i" --advertise-url "http://127.0.0.1:1808$i" \
    --replicate "$nats_urls" --jwt-secret-file "$secret" "${ORDERLY_EXTRA[@]}" \
    > "$dir/node$i.log" 2>&1 &
  echo $! > "$dir/node$i.pid"
}

stop_pid() {
  local f=$1
  [ -f "$f" ] || return 0
  local pid
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

status() {
  for i in 1 2 3; do
    printf 'node %s (http://127.0.0.1:1808%s): ' "$i" "$i"
    curl -s --max-time 2 "http://127.0.0.1:1808$i/health" || printf 'down'
    echo
  done
}

ORDERLY_EXTRA=()
case "${1:-}" in
  start)
    [ -x build/bin/orderly ] || ops/build.sh orderly
    mkdir -p "$dir"
    chmod 700 "$dir"
    [ -f "$secret" ] || (umask 077 && head -c 48 /dev/urandom | base64 > "$secret")
    for i in 1 2 3; do start_nats "$i"; done
    # The JetStream cluster elects its meta leader before streams can be made.
    for i in 1 2 3; do start_node "$i"; done
    for _ in $(seq 1 600); do
      now=$(status)
      case "$now" in *'"role":"leader"'*) break ;; esac
      sleep 0.1
    done
    status
    ;;
  start-node) start_node "$2" ;;
  kill) kill -9 "$(cat "$dir/node$2.pid")" ;;
  status) status ;;
  stop)
    for i in 1 2 3; do stop_pid "$dir/node$i.pid"; done
    for i in 1 2 3; do stop_pid "$dir/nats$i.pid"; done
    ;;
  *)
    sed -n '2,16p' "$0"
    exit 2
    ;;
esac
