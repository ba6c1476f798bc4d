#!/usr/bin/env python3
"""Compiles the named sources with -fsyntax-only, as build/compile_commands.json says: a quick check of an
edit without running the build (safe beside a running ninja). Usage: ci/syntax_check.py FILE... [--build DIR]"""
import json
import pathlib
import shlex
import subprocess
import sys

args = sys.argv[1:]
build = pathlib.Path("build")
if "--build" in args:
    i = args.index("--build")
    build = pathlib.Path(args[i + 1])
    del args[i:i + 2]
db = {pathlib.Path(e["file"]).resolve(): e for e in json.loads((build / "compile_commands.json").read_text())}
rc = 0
for f in args:
    e = db.get(pathlib.Path(f).resolve())
    if e is None:
        print(f"syntax_check: {f} is not in {build}/compile_commands.json", file=sys.stderr)
        rc = 1
        continue
    cmd = shlex.split(e["command"])
    if "-o" in cmd:
        i = cmd.index("-o")
        del cmd[i:i + 2]
    cmd = [c for c in cmd if c not in ("-c",)] + ["-fsyntax-only"]
    rc |= subprocess.run(cmd, cwd=e["directory"]).returncode
sys.exit(rc)
