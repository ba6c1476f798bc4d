#!/usr/bin/env python3
"""Derives, from Debian's man pages, the errnos and constants each page in scope documents.

For every page named in conformance/spec/pages.txt: the errno names heading a tagged paragraph of its
ERRORS section, and the constants (upper-case names such as IPC_NOWAIT, SA_RESTART, MSGMAX) heading a tagged
paragraph of any other section. Linux pages are read from /usr/share/man (packages manpages, manpages-dev),
POSIX pages (section 3posix) from --posix-root, where ci/deps.sh unpacks manpages-posix-dev without
installing it. The result, with the package versions, is conformance/spec/derived.txt; ci/spec_check.py
checks the inventory against it.

Usage: ci/spec_derive.py [--posix-root DIR] [--write | --check]
  --write  rewrite conformance/spec/derived.txt
  --check  exit 1 when the installed pages say something other than derived.txt (a new release: work to do)
  neither  print the derivation
"""
import argparse
import gzip
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SPEC = ROOT / "conformance" / "spec"
DEFAULT_POSIX_ROOT = pathlib.Path("/var/cache/ipcconform/manpages-posix")


def pages_in_scope():
    """[(mechanism, page)] in file order; a page listed twice is an error."""
    out, seen = [], set()
    for n, line in enumerate((SPEC / "pages.txt").read_text().splitlines(), 1):
        line = line.split("#", 1)[0].split()
        if not line:
            continue
        for page in line[1:]:
            if not re.fullmatch(r"[\w.]+\((\d)(posix)?\)", page):
                sys.exit(f"pages.txt:{n}: '{page}' is not a page name like pipe(2) or pipe(3posix)")
            if page in seen:
                sys.exit(f"pages.txt:{n}: {page} is listed twice")
            seen.add(page)
            out.append((line[0], page))
    return out


def read_page(page, posix_root):
    """The roff source of a page, following .so lines; None when not installed."""
    name, sect = re.fullmatch(r"([\w.]+)\((\w+)\)", page).groups()
    base = posix_root if sect.endswith("posix") else pathlib.Path("/usr/share/man")
    path = base / f"man{sect[0]}" / f"{name}.{sect}.gz"
    for _ in range(3):
        if not path.exists():
            return None
        text = gzip.open(path, "rt", errors="replace").read()
        so = re.match(r"\.so\s+(\S+)", text)
        if not so:
            return text
        path = base / (so.group(1) + ".gz")
    return None


def derive(text):
    """(errnos of ERRORS, [(constant, section)] of the other sections), each in page order, no repeats."""
    errnos, consts = [], []
    for sec in re.split(r"^\.SH ", text, flags=re.M)[1:]:
        title = sec.split("\n", 1)[0].strip().strip('"')
        tags = re.findall(r"^\.(?:TP|IP)\n\.(?:BR?|I) ([A-Z][A-Z0-9_]{2,})\b", sec, re.M)
        tags += re.findall(r"^\.TP\n\\fB([A-Z][A-Z0-9_]{2,})\\f", sec, re.M)
        for t in tags:
            if title == "ERRORS" and t.startswith("E") and t not in errnos:
                errnos.append(t)
            elif title != "ERRORS" and not re.fullmatch(r"E[A-Z0-9]+", t) and t not in [c for c, _ in consts]:
                consts.append((t, title))
    return errnos, consts


def version(pkg, posix_root):
    if pkg == "manpages-posix-dev":
        stamp = posix_root / "VERSION"
        return stamp.read_text().strip() if stamp.exists() else "unknown"
    v = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True).stdout
    return v or "unknown"


def render(posix_root):
    lines = ["# Derived by ci/spec_derive.py --write from Debian's man pages; do not edit by hand.",
             "# " + ", ".join(f"{p} {version(p, posix_root)}" for p in ("manpages", "manpages-dev",
                                                                        "manpages-posix-dev"))]
    absent = []
    for mech, page in pages_in_scope():
        text = read_page(page, posix_root)
        if text is None:
            absent.append(page)
            continue
        errnos, consts = derive(text)
        lines.append(f"page {page} {mech}")
        lines += [f"errno {page} {e}" for e in errnos]
        lines += [f"const {page} {c} {s}" for c, s in consts]
    return "\n".join(lines) + "\n", absent


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--posix-root", type=pathlib.Path, default=DEFAULT_POSIX_ROOT)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = ap.parse_args()
    text, absent = render(args.posix_root)
    if absent:
        print("spec_derive: pages in scope not installed: " + " ".join(absent), file=sys.stderr)
        return 2
    target = SPEC / "derived.txt"
    if args.write:
        target.write_text(text)
        return 0
    if args.check:
        old = target.read_text() if target.exists() else ""
        if old != text:
            import difflib
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), text.splitlines(True),
                                                       "derived.txt (checked in)", "derived from installed pages"))
            print("spec_derive: the installed man pages differ from conformance/spec/derived.txt: run "
                  "ci/spec_derive.py --write and bring the inventory up to date", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
