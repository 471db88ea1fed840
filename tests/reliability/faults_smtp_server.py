#!/usr/bin/python3
"""An SMTP server that misbehaves on demand, for the fault tests (issue 8).

    faults_smtp_server.py PORT MAILDIR MODE_FILE JOURNAL

Each connection reads MODE_FILE once, when it is accepted:

    ok         a plain SMTP server: each message is stored in MAILDIR/new,
               then acknowledged with 250
    slow S     the same, but every reply is sent S seconds late (a float)
    lag S      the replies to MAIL, RCPT and DATA come S seconds late (the
               greeting and EHLO in time)
    stall S    only the final reply to a message comes S seconds late (a
               server slow to commit what it received)
    drop       takes the whole message after DATA, then closes the
               connection without the final reply and stores nothing
    mute       a plain server that never answers QUIT (nor closes)

A message is stored only while its client is still connected, so a client
that gave up (timed out) before the final reply never gets it stored: the
server does not deliver what it could not acknowledge. JOURNAL gets one line
per connection: "<outcome> <Message-ID> <mode>" with outcome delivered,
dropped or abandoned (the client left before the final reply), or left (and
Message-ID "-") for a connection that ended before a message was sent (a
client that timed out).

Prints "listening" on stdout once it accepts connections.
"""

import asyncio
import os
import re
import sys

PORT, MAILDIR, MODE_FILE, JOURNAL = sys.argv[1:5]
os.makedirs(os.path.join(MAILDIR, "new"), exist_ok=True)
os.makedirs(os.path.join(MAILDIR, "tmp"), exist_ok=True)
counter = 0


def mode():
    try:
        with open(MODE_FILE) as f:
            words = f.read().split()
    except OSError:
        words = []
    if not words:
        return "ok", 0.0
    return words[0], float(words[1]) if len(words) > 1 else 0.0


def journal(outcome, message, kind):
    found = re.search(rb"^Message-ID:\s*(\S+)", message, re.MULTILINE | re.IGNORECASE)
    ident = found.group(1).decode() if found else "-"
    with open(JOURNAL, "a") as f:
        f.write(f"{outcome} {ident} {kind}\n")


def store(message):
    global counter
    counter += 1
    name = f"{os.getpid()}.{counter}.eml"
    tmp = os.path.join(MAILDIR, "tmp", name)
    with open(tmp, "wb") as f:
        f.write(message)
    os.rename(tmp, os.path.join(MAILDIR, "new", name))


async def session(reader, writer):
    kind, delay = mode()
    outcome = None  # journalled once per connection

    def note(what, message=b""):
        nonlocal outcome
        outcome = what
        journal(what, message, kind)

    async def reply(line, late=False):
        if kind == "slow" or (kind == "lag" and late):
            await asyncio.sleep(delay)
        writer.write(line.encode() + b"\r\n")
        await writer.drain()

    try:
        await reply("220 faults-smtp ready")
        while True:
            line = await reader.readline()
            if not line:
                return
            verb = line.split(b" ", 1)[0].strip().upper()
            if verb in (b"EHLO", b"HELO"):
                await reply("250 faults-smtp")
            elif verb in (b"MAIL", b"RCPT"):
                await reply("250 OK", late=True)
            elif verb in (b"RSET", b"NOOP"):
                await reply("250 OK")
            elif verb == b"QUIT":
                if kind == "mute":
                    await reader.read()  # until the client gives up and closes
                    return
                await reply("221 bye")
                return
            elif verb == b"DATA":
                await reply("354 end with <CRLF>.<CRLF>", late=True)
                lines = []
                while True:
                    part = await reader.readline()
                    if not part:  # gone before (or while) sending the message
                        note("abandoned" if lines else "left", b"".join(lines))
                        return
                    if part in (b".\r\n", b".\n"):
                        break
                    lines.append(part[1:] if part.startswith(b"..") else part)
                message = b"".join(lines)
                if kind == "drop":
                    note("dropped", message)
                    return
                if kind in ("slow", "stall"):
                    await asyncio.sleep(delay)
                # A client that gave up while we were slow has closed its end.
                if reader.at_eof() or writer.is_closing():
                    note("abandoned", message)
                    return
                store(message)
                note("delivered", message)
                writer.write(b"250 OK queued\r\n")
                await writer.drain()
            else:
                await reply("502 not implemented")
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    finally:
        if outcome is None:
            journal("left", b"", kind)
        writer.close()


async def main():
    server = await asyncio.start_server(session, "127.0.0.1", int(PORT), reuse_address=True)
    print("listening", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
