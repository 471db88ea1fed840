#!/usr/bin/env python3
"""Checks the thread-safety annotations (core/thread_annotations.h) with clang.

    thread_safety.py SOURCE_DIR BUILD_DIR [--clang CLANG++] [--jobs N] [--only PREFIX]

Compiles, with clang++ -fsyntax-only -Wthread-safety -Werror=thread-safety,
every translation unit of core/, eventstore/, commands/, projections/ and
api/ listed in BUILD_DIR/compile_commands.json that includes core/mutex.h
or core/thread_annotations.h (directly or through the repository's
headers), with the flags the build compiles it with, and lists them. The
GCC build ignores the annotations: this is where a field read without its
mutex is found. (api/http/server.cpp, the Beast translation unit, is among
them: it holds the connection ledger; it is the slowest to check.)

Before it checks the tree it proves on two snippets that it rejects a
GUARDED_BY field used without its lock and accepts the same with the lock,
so the check cannot pass by checking nothing.

--only PREFIX checks only the units whose path (from SOURCE_DIR) starts with
PREFIX, e.g. `--only projections/` while annotating a folder.
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

MODULES = ("core", "eventstore", "commands", "projections", "api")
MARKERS = ("core/mutex.h", "core/thread_annotations.h")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
CHECK_FLAGS = ["-fsyntax-only", "-Wthread-safety", "-Werror=thread-safety"]

BAD_SNIPPET = """#include "core/mutex.h"
struct Counter {
  orderly::Mutex mu;
  int n GUARDED_BY(mu) = 0;
  void bump() { ++n; }  // no lock: must be rejected
};
"""
GOOD_SNIPPET = BAD_SNIPPET.replace(
    "void bump() { ++n; }  // no lock: must be rejected",
    "void bump() { orderly::MutexLock lock(mu); ++n; }")


def includes(root, path, cache):
    """The repository headers `path` includes, transitively."""
    if path in cache:
        return cache[path]
    cache[path] = set()
    found = set()
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return found
    for name in INCLUDE.findall(text):
        header = os.path.join(root, name)
        if os.path.isfile(header):
            found.add(name)
            found |= includes(root, header, cache)
    cache[path] = found
    return found


def clang_args(entry, clang, source):
    """The build's command for `entry`, as a clang syntax check of `source`."""
    args = entry["arguments"] if "arguments" in entry else shlex.split(entry["command"])
    out = [clang]
    skip = False
    for a in args[1:]:
        if skip:
            skip = False
            continue
        if a in ("-o", "-MF", "-MT", "-MQ", "-c"):
            skip = a != "-c"
            continue
        if a in ("-MD", "-MMD") or a.startswith("-W") or a == entry["file"]:
            continue  # GCC's warnings are the main build's business
        out.append(a)
    return out + CHECK_FLAGS + [source]


def run(cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def self_test(root, clang, template, cwd):
    with tempfile.TemporaryDirectory() as tmp:
        for name, text, want_ok in (("bad.cpp", BAD_SNIPPET, False),
                                    ("good.cpp", GOOD_SNIPPET, True)):
            path = os.path.join(tmp, name)
            with open(path, "w") as f:
                f.write(text)
            entry = dict(template, file=path)
            code, out = run(clang_args(entry, clang, path), cwd)
            if (code == 0) != want_ok:
                sys.exit(f"self-test: {name} was {'accepted' if code == 0 else 'rejected'}, "
                         f"expected {'accepted' if want_ok else 'rejected'}:\n{out}")
            if not want_ok and "-Wthread-safety" not in out:
                sys.exit(f"self-test: {name} failed for another reason:\n{out}")


def main():
    argv = sys.argv[1:]
    clang, jobs = "clang++", os.cpu_count() or 2
    if "--clang" in argv:
        i = argv.index("--clang")
        clang = argv[i + 1]
        del argv[i:i + 2]
    if "--jobs" in argv:
        i = argv.index("--jobs")
        jobs = int(argv[i + 1])
        del argv[i:i + 2]
    only = ""
    if "--only" in argv:
        i = argv.index("--only")
        only = argv[i + 1]
        del argv[i:i + 2]
    root, build = (os.path.abspath(a) for a in argv[:2])
    with open(os.path.join(build, "compile_commands.json")) as f:
        entries = json.load(f)
    cache = {}
    units = []
    for e in entries:
        rel = os.path.relpath(e["file"], root)
        if rel.split(os.sep)[0] not in MODULES or not rel.startswith(only):
            continue
        if any(m in includes(root, e["file"], cache) for m in MARKERS):
            units.append(e)
    if not units:
        sys.exit("no translation unit includes the annotations: nothing would be checked")
    self_test(root, clang, units[0], units[0]["directory"])
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(
            lambda e: (e["file"], *run(clang_args(e, clang, e["file"]), e["directory"])), units))
    failed = [(path, out) for path, code, out in results if code != 0]
    for path, out in failed:
        print(out)
    if failed:
        sys.exit(f"thread safety: {len(failed)} of {len(units)} translation units fail")
    for path, _, _ in results:
        print(f"  checked {os.path.relpath(path, root)}")
    print(f"thread safety: {len(units)} annotated translation units check clean")


if __name__ == "__main__":
    main()
