#!/usr/bin/env python3
"""Measures how much of the ERRORS sections of the man pages in scope the cases cite.

For every page below, the errno names of its ERRORS section are read from Debian's installed pages
(manpages, manpages-dev: roff source under /usr/share/man), and every case's refs and statement from the
catalogue the program exports (`list --json`). A (page, errno) pair counts as cited when some case has a ref "<page>(<section>) ...
<ERRNO>". Prints one line a page (cited/documented and the errnos no case cites) and the totals.

This is the first, measuring step towards the spec inventory: it reads only errnos, not flags, limits or
statements, and a cited errno is only as good as the case that cites it.
Usage: ci/spec_gap.py build/bin/ipcconform [--missing]   (exit 0; 2 when a page in scope is not installed)
"""
import argparse
import gzip
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
MAN = pathlib.Path("/usr/share/man")

# The interface pages in scope, by mechanism.
PAGES = {
    "pipe": ["pipe(2)"],
    "fifo": ["mkfifo(3)", "mknod(2)"],
    "signal": ["sigaction(2)", "kill(2)", "sigqueue(3)", "sigprocmask(2)", "sigsuspend(2)", "sigwaitinfo(2)",
               "sigtimedwait(2)", "rt_sigqueueinfo(2)", "sigaltstack(2)", "pause(2)", "tgkill(2)", "raise(3)"],
    "sysv_msg": ["msgget(2)", "msgsnd(2)", "msgrcv(2)", "msgctl(2)", "ftok(3)"],
    "sysv_sem": ["semget(2)", "semop(2)", "semtimedop(2)", "semctl(2)"],
    "sysv_shm": ["shmget(2)", "shmat(2)", "shmdt(2)", "shmctl(2)"],
    "posix_shm": ["shm_open(3)", "shm_unlink(3)", "mmap(2)", "munmap(2)", "ftruncate(2)"],
    "posix_mq": ["mq_open(3)", "mq_send(3)", "mq_timedsend(3)", "mq_receive(3)", "mq_timedreceive(3)",
                 "mq_notify(3)", "mq_getattr(3)", "mq_setattr(3)", "mq_unlink(3)", "mq_close(3)"],
    "unix_socket": ["socket(2)", "socketpair(2)", "bind(2)", "connect(2)", "listen(2)", "accept(2)",
                    "send(2)", "recv(2)", "sendmsg(2)", "recvmsg(2)", "getsockopt(2)", "unix(7)"],
    "namespace": ["unshare(2)", "setns(2)"],
}


def roff(page):
    """(canonical page name, roff source) of `name(sect)`, following `.so` links (msgsnd(2) is written in
    msgop(2), by a `.so` line or a symbolic link); (page, None) when it is not installed."""
    m = re.fullmatch(r"([\w.]+)\((\d)\)", page)
    path = MAN / f"man{m.group(2)}" / f"{m.group(1)}.{m.group(2)}.gz"
    for _ in range(3):
        if not path.exists():
            return page, None
        text = gzip.open(path, "rt", errors="replace").read()
        so = re.match(r"\.so\s+(\S+)", text)
        if not so:
            name, sect = path.resolve().name[:-3].rsplit(".", 1)
            return f"{name}({sect})", text
        path = MAN / (so.group(1) + ".gz")
    return page, None


def documented_errnos(text):
    """Errno names that head a tagged paragraph in the ERRORS section."""
    sec = re.search(r"^\.SH ERRORS\n(.*?)(?=^\.SH )", text, re.S | re.M)
    if not sec:
        return []
    names = re.findall(r"^\.TP\n\.BR? (E[A-Z0-9]+)", sec.group(1), re.M)
    return sorted(set(names), key=names.index)


def case_refs(ipcconform):
    """Each case's refs from the catalogue (`ipcconform list --json`), plus "<page> <ERRNO>" where the
    statement opens with the errno it quotes ("EPERM IPC_SET or IPC_RMID is attempted, ..."), credited to
    the case's first ref only: the page the statement is quoted from, not every page it also cites."""
    listing = subprocess.run([ipcconform, "list", "--json"], check=True, capture_output=True, text=True)
    refs = []
    for case in json.loads(listing.stdout):
        refs += case["refs"]
        said = re.match(r"(E[A-Z0-9]+)\b", case["statement"])
        if said:
            refs.append(case["refs"][0].split()[0] + " " + said.group(1))
    return refs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ipcconform", help="the built program, e.g. build/bin/ipcconform")
    ap.add_argument("--missing", action="store_true", help="list, per page, the errnos no case cites")
    args = ap.parse_args()
    refs = case_refs(args.ipcconform)
    version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "manpages-dev"], capture_output=True,
                             text=True).stdout or "unknown"
    print(f"man pages: manpages-dev {version}; case refs read: {len(refs)}")
    total_doc = total_cited = 0
    absent = []
    for mech, pages in PAGES.items():
        doc = cited = 0
        for page, text in dict(roff(p) for p in pages).items():
            if text is None:
                absent.append(page)
                continue
            errnos = documented_errnos(text)
            mine = [r for r in refs if r.startswith(page)]
            hit = [e for e in errnos if any(re.search(rf"\b{e}\b", r) for r in mine)]
            doc += len(errnos)
            cited += len(hit)
            if args.missing:
                left = [e for e in errnos if e not in hit]
                print(f"  {page:22} {len(hit):3}/{len(errnos):<3} not cited: {' '.join(left) or '-'}")
        total_doc += doc
        total_cited += cited
        print(f"{mech:12} {cited:4}/{doc:<4} errnos cited ({100 * cited / max(doc, 1):.0f} %)")
    print(f"{'total':12} {total_cited:4}/{total_doc:<4} errnos cited ({100 * total_cited / max(total_doc, 1):.0f} %)")
    if absent:
        print("pages in scope not installed: " + " ".join(absent), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
