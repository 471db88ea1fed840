#!/usr/bin/env bash
# A local SMTP server for development (Debian's python3-aiosmtpd): every
# message lands as a file in ./data/mail/new.
#   ops/smtp.sh [PORT]   (default 2525), then:
#   build/bin/orderly serve --smtp-url smtp://127.0.0.1:2525
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-2525}"
mkdir -p data/mail
exec /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox data/mail
