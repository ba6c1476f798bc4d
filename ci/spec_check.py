#!/usr/bin/env python3
"""Checks the spec inventory (conformance/spec/*.spec) against what the man pages document (derived.txt).

Rules (docs/spec-inventory.md):
  - every line is a well-formed entry: id | kind | class | since | refs | text; ids are unique and start
    with the mechanism the file is named after;
  - every errno a page in scope lists in ERRORS has an entry of kind errno with that name and the ref
    "<page> ERRORS", and every such ref names an errno the page does list (a page release that drops or
    adds one is work, not silence);
  - every constant a page in scope tags has an entry of kind flag or limit with that name and a ref on
    that page;
  - every waiver (<mechanism>.waivers) names an entry, with a kind (waived, out-of-scope) and a reason.
Usage: ci/spec_check.py [--mechanism M]   (exit 1 with one line per problem, file:line first)
"""
import argparse
import pathlib
import re
import sys

SPEC = pathlib.Path(__file__).resolve().parent.parent / "conformance" / "spec"
KINDS = {"errno", "flag", "limit", "stmt"}
CLASSES = {"posix", "xsi", "linux", "impl"}


def read_entries(problems):
    entries = {}
    for path in sorted(SPEC.glob("*.spec")):
        mech = path.stem
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            where = f"{path.name}:{n}"
            fields = [f.strip() for f in line.split("|")]
            if len(fields) != 6:
                problems.append(f"{where}: {len(fields)} fields, want 6 (id | kind | class | since | refs | text)")
                continue
            eid, kind, cls, since, refs, text = fields
            parts = eid.split(".")
            if len(parts) != 3 or parts[0] != mech or not all(re.fullmatch(r"[A-Za-z0-9_]+", p) for p in parts):
                problems.append(f"{where}: id '{eid}' is not {mech}.<interface>.<name>")
            if kind not in KINDS:
                problems.append(f"{where}: kind '{kind}' is not one of {', '.join(sorted(KINDS))}")
            if cls not in CLASSES:
                problems.append(f"{where}: class '{cls}' is not one of {', '.join(sorted(CLASSES))}")
            if since != "-" and not re.fullmatch(r"\d+\.\d+(\.\d+)?", since):
                problems.append(f"{where}: since '{since}' is not '-' or a Linux version like 2.6.27")
            name = parts[-1]
            if kind == "errno" and not re.fullmatch(r"E[A-Z0-9]+", name):
                problems.append(f"{where}: errno entry '{eid}' does not end in an errno name")
            if kind in ("flag", "limit") and not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
                problems.append(f"{where}: {kind} entry '{eid}' does not end in the constant's name")
            if kind == "stmt" and not re.fullmatch(r"[a-z0-9_]+", name):
                problems.append(f"{where}: stmt entry '{eid}' must end in lower_case_words")
            reflist = [r.strip() for r in refs.split(";") if r.strip()]
            if not reflist or any(not re.match(r"([\w.]+\(\w+\)|POSIX\.1)", r) for r in reflist):
                problems.append(f"{where}: refs '{refs}' must be '<page> <section>' items separated by ';'")
            if len(text) < 12:
                problems.append(f"{where}: the text says too little")
            if eid in entries:
                problems.append(f"{where}: '{eid}' repeats {entries[eid]['where']}")
            entries[eid] = dict(where=where, kind=kind, name=name, refs=reflist, mech=mech)
    return entries


def read_derived(problems):
    errnos, consts, pages = {}, {}, {}
    for n, line in enumerate((SPEC / "derived.txt").read_text().splitlines(), 1):
        if line.startswith("#") or not line.strip():
            continue
        f = line.split()
        if f[0] == "page":
            pages[f[1]] = f[2]
            errnos.setdefault(f[1], set())
            consts.setdefault(f[1], set())
        elif f[0] == "errno":
            errnos[f[1]].add(f[2])
        elif f[0] == "const":
            consts[f[1]].add(f[2])
        else:
            problems.append(f"derived.txt:{n}: unknown line")
    return pages, errnos, consts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mechanism", help="report only this mechanism's problems")
    args = ap.parse_args()
    problems = []
    entries = read_entries(problems)
    pages, errnos, consts = read_derived(problems)
    page_of = lambda ref: ref.split()[0]
    for page, mech in pages.items():
        for e in sorted(errnos[page]):
            if not any(v["kind"] == "errno" and v["name"] == e and f"{page} ERRORS" in v["refs"]
                       for v in entries.values()):
                problems.append(f"{mech}.spec: {page} lists {e} in ERRORS; no errno entry cites '{page} ERRORS'")
        for c in sorted(consts[page]):
            if not any(v["kind"] in ("flag", "limit") and v["name"] == c and page in map(page_of, v["refs"])
                       for v in entries.values()):
                problems.append(f"{mech}.spec: {page} documents {c}; no flag or limit entry cites {page}")
    for eid, v in entries.items():
        for r in v["refs"]:
            p = page_of(r)
            if r == f"{p} ERRORS" and p in pages and v["name"] not in errnos[p]:
                problems.append(f"{v['where']}: '{eid}' cites '{r}', which does not list {v['name']}")
    for path in sorted(SPEC.glob("*.waivers")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            where = f"{path.stem}.spec: {path.name}:{n}"
            f = [x.strip() for x in line.split("|")]
            if len(f) != 3 or f[1] not in ("waived", "out-of-scope") or len(f[2]) < 12:
                problems.append(f"{where}: want '<entry> | waived or out-of-scope | reason'")
            elif f[0] not in entries:
                problems.append(f"{where}: '{f[0]}' is not an inventory entry")
    if args.mechanism:
        problems = [p for p in problems if p.startswith(args.mechanism + ".spec")]
    for p in problems:
        print(p)
    print(f"spec_check: {len(entries)} entries, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
