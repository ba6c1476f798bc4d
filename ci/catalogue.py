#!/usr/bin/env python3
"""Writes docs/catalogue.md from `ipcconform list --json`, or checks that it is fresh.

Usage: ci/catalogue.py IPCCONFORM [--check] [--out docs/catalogue.md]
--check compares instead of writing and exits 1 (naming the first line that differs) when the checked-in
page is not what the catalogue gives; regenerate with `python3 ci/catalogue.py build/bin/ipcconform`.
"""
import argparse
import json
import os
import subprocess
import sys
from collections import OrderedDict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MECHANISMS = OrderedDict([
    ("signal", "Signals"), ("pipe", "Pipes"), ("fifo", "FIFOs (named pipes)"),
    ("sysv_msg", "System V message queues"), ("sysv_sem", "System V semaphore sets"),
    ("sysv_shm", "System V shared memory"), ("posix_mq", "POSIX message queues"),
    ("posix_shm", "POSIX shared memory and mmap"), ("unix_socket", "Unix-domain sockets"),
    ("namespace", "IPC namespaces"), ("posix_sem", "POSIX semaphores"), ("eventfd", "eventfd"),
    ("signalfd", "signalfd"), ("pidfd", "pidfd"), ("memfd", "memfd and file seals"),
    ("splice", "splice, tee and vmsplice"), ("futex", "Futexes and process-shared mutexes"),
])


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def source_file(source):
    path = source.rsplit(":", 1)[0]
    at = path.find("conformance/")
    return path[at:] if at >= 0 else os.path.basename(path)


def render(cases):
    by_mech = OrderedDict((m, []) for m in MECHANISMS)
    for c in cases:
        by_mech.setdefault(c["mechanism"], []).append(c)
    out = ["# Case catalogue", "",
           "Generated from `ipcconform list --json` by `ci/catalogue.py`; the `docs_catalogue` test fails",
           "when it is stale. Each case: its id, what it checks, its conformance class, where the behaviour",
           "is documented, and what it needs of the system (docs/verdicts.md).", "",
           "| mechanism | cases |", "| --- | ---: |"]
    for mech, items in by_mech.items():
        if items:
            out.append(f"| [{MECHANISMS.get(mech, mech)}](#{mech}) | {len(items)} |")
    out.append(f"| all | {len(cases)} |")
    for mech, items in by_mech.items():
        if not items:
            continue
        out += ["", f"## {mech}", "", f"{MECHANISMS.get(mech, mech)}: {len(items)} cases."]
        interface = None
        for c in sorted(items, key=lambda c: c["id"]):
            if c["interface"] != interface:
                interface = c["interface"]
                out += ["", f"### {mech}.{interface} (`{source_file(c['source'])}`)", "",
                        "| id | checks | class | documented in | needs |", "| --- | --- | --- | --- | --- |"]
            needs = ", ".join(c.get("needs", [])) or "-"
            out.append(f"| `{c['id']}` | {cell(c['title'])} | {c['class']} | {cell('; '.join(c['refs']))} | "
                       f"{cell(needs)} |")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ipcconform")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "catalogue.md"))
    args = ap.parse_args()
    listing = subprocess.run([args.ipcconform, "list", "--json"], check=True, capture_output=True, text=True)
    text = render(json.loads(listing.stdout))
    if not args.check:
        with open(args.out, "w") as f:
            f.write(text)
        return 0
    try:
        with open(args.out) as f:
            old = f.read()
    except OSError as e:
        print(f"ci/catalogue.py: {args.out}: {e.strerror}", file=sys.stderr)
        return 1
    if old == text:
        print(f"ci/catalogue.py: {args.out} is fresh")
        return 0
    for n, (a, b) in enumerate(zip(old.splitlines() + [""] * 99999, text.splitlines()), 1):
        if a != b:
            print(f"ci/catalogue.py: {args.out} is stale at line {n}:\n  checked in: {a}\n  catalogue:  {b}",
                  file=sys.stderr)
            break
    print("ci/catalogue.py: regenerate it with `python3 ci/catalogue.py build/bin/ipcconform`", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
