#!/usr/bin/env bash
# A local NATS server with JetStream for development, data in ./data/nats.
#   ops/nats.sh [PORT]        (default 4222), then:
#   build/bin/orderly serve --nats-url nats://127.0.0.1:4222
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-4222}"
mkdir -p data/nats
exec /usr/sbin/nats-server -js -a 127.0.0.1 -p "$port" -sd data/nats
