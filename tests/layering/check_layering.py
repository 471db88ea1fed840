#!/usr/bin/env python3
"""Fails on an #include that runs against the layering of the modules.

    core <- eventstore <- {commands, projections} <- api

A module may include its own headers and those of the modules below it:
commands and projections are siblings (neither includes the other), and
nothing below api includes api. Generated headers count as their module's
(core/schemas/...). Usage: check_layering.py SOURCE_DIR. Before it checks
the tree it proves on a made-up tree that it finds a violation, so the test
cannot pass by finding nothing.
"""
import os
import re
import sys
import tempfile

ALLOWED = {
    "core": {"core"},
    "eventstore": {"core", "eventstore"},
    "commands": {"core", "eventstore", "commands"},
    "projections": {"core", "eventstore", "projections"},
    "api": {"core", "eventstore", "commands", "projections", "api"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
SOURCES = (".h", ".hpp", ".cpp", ".cc")


def violations(root):
    found = []
    for module, allowed in ALLOWED.items():
        for folder, _, files in os.walk(os.path.join(root, module)):
            if "node_modules" in folder:
                continue
            for name in files:
                if not name.endswith(SOURCES):
                    continue
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = m.group(1).split("/")[0]
                        if target in ALLOWED and target not in allowed:
                            found.append(f"{os.path.relpath(path, root)}:{number}: "
                                         f"{module} must not include {m.group(1)}")
    return found


def self_test():
    with tempfile.TemporaryDirectory() as tmp:
        for module, text in {
            "core": '#include "core/uuid.h"\n',
            "projections": '#include "eventstore/store.h"\n#include "commands/order.h"\n',
            "api": '#include "projections/stats.h"\n',
        }.items():
            os.makedirs(os.path.join(tmp, module))
            with open(os.path.join(tmp, module, "x.cpp"), "w") as f:
                f.write(text)
        found = violations(tmp)
        if len(found) != 1 or "projections/x.cpp:2" not in found[0]:
            sys.exit(f"self-test: expected one violation in projections/x.cpp:2, got {found}")


def main():
    self_test()
    found = violations(sys.argv[1])
    for v in found:
        print(v)
    if found:
        sys.exit(f"{len(found)} include(s) against the layering")
    print("layering: every include goes down the layers")


if __name__ == "__main__":
    main()
