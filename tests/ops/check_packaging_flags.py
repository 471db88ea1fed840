#!/usr/bin/env python3
"""Every orderly flag and ORDERLY_* setting in the packaging files is real.

ops/orderly.service, ops/orderly-backup.service, ops/Dockerfile and
ops/compose.yaml run `orderly` subcommands with flags and ORDERLY_*
environment names. `orderly` ignores an environment name it does not know,
so a misspelt one would silently do nothing: each is checked here against
the `--help` of the subcommand that reads it (CLI11 prints every option
with its "(Env:NAME)").

Usage: check_packaging_flags.py ORDERLY_BINARY SOURCE_DIR
"""
import re
import shlex
import subprocess
import sys

import yaml

binary, src = sys.argv[1], sys.argv[2]
problems = []
helps = {}


def options_of(subcommand):
    """(flags, env names) of `orderly SUBCOMMAND --help`."""
    if subcommand not in helps:
        out = subprocess.run([binary, *subcommand.split(), "--help"], capture_output=True,
                             text=True, check=True).stdout
        flags = set(re.findall(r"(?m)^\s+(?:-\w,)?(--[a-z0-9-]+)", out))
        envs = set(re.findall(r"\(Env:(ORDERLY_[A-Z0-9_]+)\)", out))
        if not flags:
            sys.exit(f"no options found in `orderly {subcommand} --help`")
        helps[subcommand] = (flags, envs)
    return helps[subcommand]


def subcommand_of(args):
    """The subcommand words at the head of `args` (serve, notify email, ...)."""
    words = []
    for a in args:
        if a.startswith("-"):
            break
        words.append(a)
        if words[0] not in ("notify", "admin") or len(words) == 2:
            break
    return " ".join(words)


def check(where, subcommand, args=(), envs=()):
    flags, known_envs = options_of(subcommand)
    for a in args:
        if a.startswith("--") and a.split("=")[0] not in flags:
            problems.append(f"{where}: `orderly {subcommand}` has no flag {a}")
    for e in envs:
        if e.startswith("ORDERLY_") and e not in known_envs:
            problems.append(f"{where}: `orderly {subcommand}` reads no {e}")


def orderly_calls(text):
    """The argument lists after each /usr/local/bin/orderly in a shell line."""
    for m in re.finditer(r"/usr/local/bin/orderly\s+([^|&;'\"]*)", text):
        yield shlex.split(m.group(1))


# systemd units: Environment= names and ExecStart's command.
for unit in ("orderly.service", "orderly-backup.service"):
    text = open(f"{src}/ops/{unit}").read()
    envs = [n for line in re.findall(r"(?m)^Environment=(.*)$", text)
            for n in re.findall(r"(ORDERLY_[A-Z0-9_]+)=", line)]
    execs = re.findall(r"(?m)^ExecStart=(.*)$", text)
    checked = 0
    for line in execs:
        for args in orderly_calls(line):
            check(f"ops/{unit}", subcommand_of(args), args, envs)
            checked += 1
    if checked == 0:
        problems.append(f"ops/{unit}: no `orderly` command found in ExecStart")

# Dockerfile: the runtime image's ENV is read by its CMD, `orderly serve`.
docker = open(f"{src}/ops/Dockerfile").read().replace("\\\n", " ")
runtime = docker[docker.index("AS runtime"):]
check("ops/Dockerfile", "serve", (), re.findall(r"(ORDERLY_[A-Z0-9_]+)=", runtime))
cmd = re.search(r'(?m)^CMD \[(.*)\]$', runtime)
check("ops/Dockerfile CMD", subcommand_of(shlex.split(cmd.group(1).replace(",", " "))))

# compose: every service of the orderly image.
compose = yaml.safe_load(open(f"{src}/ops/compose.yaml"))
seen = 0
for name, service in compose["services"].items():
    if service.get("image") != "localhost/orderly:latest":
        continue
    seen += 1
    envs = list((service.get("environment") or {}).keys())
    if service.get("entrypoint"):  # a shell running orderly commands
        calls = [a for c in service["command"] for a in orderly_calls(c)]
        if not calls:
            problems.append(f"ops/compose.yaml {name}: no `orderly` command found")
        for args in calls:
            check(f"ops/compose.yaml {name}", subcommand_of(args), args, envs)
    else:
        args = service.get("command") or ["serve"]
        check(f"ops/compose.yaml {name}", subcommand_of(args), args, envs)
if seen < 4:
    problems.append(f"ops/compose.yaml: {seen} services of the orderly image, expected 4")

for p in problems:
    print(p)
print(f"{len(problems)} problem(s); subcommands checked: {', '.join(sorted(helps))}")
sys.exit(1 if problems else 0)
