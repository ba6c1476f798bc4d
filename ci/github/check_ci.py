#!/usr/bin/env python3
"""Static checks of the CI material that cannot run here (GitHub Actions, container builds).

    check_ci.py workflow FILE...        GitHub Actions workflows (needs PyYAML: python3-yaml)
    check_ci.py containerfile FILE...   Containerfiles

Both first check themselves on broken samples. Paths the files name (scripts, Containerfiles, COPY sources) are looked up from the repository root,
the parent of ci/. Prints one line per problem, "FILE: what", and exits 1 when there is any.
"""
import itertools
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

WORKFLOW_KEYS = {"name", "run-name", "on", "permissions", "env", "defaults", "concurrency", "jobs"}
JOB_KEYS = {"name", "permissions", "needs", "if", "runs-on", "environment", "concurrency", "outputs", "env",
            "defaults", "steps", "timeout-minutes", "strategy", "continue-on-error", "container", "services",
            "uses", "with", "secrets"}
STEP_KEYS = {"id", "if", "name", "uses", "run", "working-directory", "shell", "with", "env", "continue-on-error",
             "timeout-minutes"}
EVENTS = {"push", "pull_request", "pull_request_target", "workflow_dispatch", "schedule", "workflow_call",
          "workflow_run", "release", "merge_group", "repository_dispatch"}
INSTRUCTIONS = {"FROM", "RUN", "COPY", "WORKDIR", "ENV", "ARG", "CMD", "ENTRYPOINT", "LABEL", "USER"}


def expressions(text):
    """The inner text of every ${{ ... }} in text, and whether they are all closed."""
    found = re.findall(r"\$\{\{(.*?)\}\}", text, flags=re.S)
    balanced = text.count("${{") == len(found)
    return found, balanced


def matrix_variants(text, matrix):
    """text with ${{ matrix.X }} replaced by the values of each matrix combination."""
    if not isinstance(matrix, dict) or "matrix." not in text:
        return [text]
    base = {k: v if isinstance(v, list) else [v] for k, v in matrix.items() if k not in ("include", "exclude")}
    combos = [dict(zip(base, values)) for values in itertools.product(*base.values())] if base else []
    combos += [dict(entry) for entry in matrix.get("include") or [] if isinstance(entry, dict)]
    variants = []
    for combo in combos or [{}]:
        variants.append(re.sub(r"\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}",
                               lambda m: str(combo.get(m.group(1), m.group(0))), text))
    return variants


def walk_strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from walk_strings(k if isinstance(k, str) else "")
            yield from walk_strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk_strings(v)


def check_workflow(path, yaml):
    problems = []

    def problem(what):
        problems.append(f"{path}: {what}")

    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        return [f"{path}: not valid YAML: {e}"]
    if not isinstance(doc, dict):
        return [f"{path}: the workflow is not a mapping"]
    # YAML 1.1 reads a bare `on` key as the boolean true.
    if True in doc:
        doc["on"] = doc.pop(True)
    for key in doc:
        if key not in WORKFLOW_KEYS:
            problem(f"unknown top-level key '{key}'")
    on = doc.get("on")
    if on is None:
        problem("no 'on' (the events that start the workflow)")
    else:
        events = [on] if isinstance(on, str) else list(on) if isinstance(on, (list, dict)) else []
        if not events:
            problem("'on' names no event")
        for e in events:
            if e not in EVENTS:
                problem(f"unknown event '{e}' in 'on'")
        if isinstance(on, dict) and "schedule" in on:
            for entry in on["schedule"] or []:
                if not isinstance(entry, dict) or len(str(entry.get("cron", "")).split()) != 5:
                    problem(f"a schedule entry without a five-field cron: {entry!r}")
    jobs = doc.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        problem("no 'jobs' mapping")
        return problems
    for job_id, job in jobs.items():
        where = f"job '{job_id}'"
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", str(job_id)):
            problem(f"{where}: not a valid job id")
        if not isinstance(job, dict):
            problem(f"{where}: not a mapping")
            continue
        for key in job:
            if key not in JOB_KEYS:
                problem(f"{where}: unknown key '{key}'")
        if "runs-on" not in job:
            problem(f"{where}: no 'runs-on'")
        container = job.get("container")
        if container is not None and not (isinstance(container, str) or
                                           (isinstance(container, dict) and "image" in container)):
            problem(f"{where}: 'container' is neither an image nor a mapping with 'image'")
        needs = job.get("needs", [])
        for need in [needs] if isinstance(needs, str) else needs:
            if need not in jobs:
                problem(f"{where}: needs unknown job '{need}'")
        # Every matrix.X the job uses is defined by its matrix.
        matrix = (job.get("strategy") or {}).get("matrix") or {}
        defined = set(matrix) - {"include", "exclude"} if isinstance(matrix, dict) else set()
        for entry in (matrix.get("include") or []) if isinstance(matrix, dict) else []:
            defined |= set(entry)
        for text in walk_strings(job):
            inner, balanced = expressions(text)
            if not balanced:
                problem(f"{where}: an unclosed '${{{{' in {text!r}")
            for expr in inner:
                for name in re.findall(r"\bmatrix\.([A-Za-z0-9_-]+)", expr):
                    if name not in defined:
                        problem(f"{where}: uses matrix.{name}, which its matrix does not define")
        steps = job.get("steps")
        if not isinstance(steps, list) or not steps:
            problem(f"{where}: no 'steps' list")
            continue
        for i, step in enumerate(steps, 1):
            at = f"{where}, step {i}"
            if not isinstance(step, dict):
                problem(f"{at}: not a mapping")
                continue
            for key in step:
                if key not in STEP_KEYS:
                    problem(f"{at}: unknown key '{key}'")
            if ("run" in step) == ("uses" in step):
                problem(f"{at}: needs exactly one of 'run' and 'uses'")
            if "uses" in step and not re.fullmatch(r"[\w.-]+/[\w./-]+@[\w.-]+|\./[\w./-]+|docker://\S+",
                                                   str(step["uses"])):
                problem(f"{at}: 'uses: {step['uses']}' is not owner/repo@ref, ./path or docker://image")
            if "run" in step:
                run = step["run"]
                if not isinstance(run, str) or not run.strip():
                    problem(f"{at}: an empty 'run'")
                    continue
                # Files of the repository that the commands name must exist, for every matrix entry.
                for text in matrix_variants(run, matrix):
                    for ref in re.findall(r"(?<![\w/.-])(ci/[\w./-]*\w)(?![\w./-]|\$\{\{)", text):
                        if not os.path.exists(os.path.join(ROOT, ref)):
                            problem(f"{at}: names {ref}, which does not exist")
            if "with" in step and not isinstance(step["with"], dict):
                problem(f"{at}: 'with' is not a mapping")
    return problems


def logical_lines(text):
    """(line number, text) of each instruction, continuation lines joined; comments and blanks dropped."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        start = i + 1
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        while line.rstrip().endswith("\\"):
            if i >= len(lines):
                yield start, line, "a continuation '\\' at the end of the file"
                return
            nxt = lines[i]
            i += 1
            if nxt.lstrip().startswith("#"):
                continue  # comment lines inside a continued instruction are dropped
            line = line.rstrip()[:-1] + " " + nxt
        yield start, line, None


def check_containerfile(path):
    problems = []
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        return [f"{path}: cannot read: {e}"]
    seen = []
    for number, line, error in logical_lines(text):
        where = f"{path}:{number}"
        if error:
            problems.append(f"{where}: {error}")
            continue
        word = line.split(None, 1)[0]
        rest = line.split(None, 1)[1].strip() if len(line.split(None, 1)) > 1 else ""
        if word not in INSTRUCTIONS:
            problems.append(f"{where}: '{word}' is not a known instruction ({', '.join(sorted(INSTRUCTIONS))})")
            continue
        if not seen and word not in ("FROM", "ARG"):
            problems.append(f"{where}: {word} before the first FROM")
        seen.append(word)
        if not rest:
            problems.append(f"{where}: {word} without arguments")
            continue
        if word in ("CMD", "ENTRYPOINT", "RUN") and rest.startswith("["):
            try:
                form = json.loads(rest)
                if not isinstance(form, list) or not all(isinstance(a, str) for a in form):
                    raise ValueError("not a list of strings")
            except ValueError as e:
                problems.append(f"{where}: the exec form of {word} is not a JSON list of strings ({e})")
        if word == "COPY":
            args = [a for a in rest.split() if not a.startswith("--")]
            if any(a.startswith("--from") for a in rest.split()):
                continue
            if len(args) < 2:
                problems.append(f"{where}: COPY needs a source and a destination")
            for source in args[:-1]:
                if not os.path.exists(os.path.join(ROOT, source)):
                    problems.append(f"{where}: COPY source {source} does not exist in the repository")
        if word in ("ENV", "LABEL") and "=" not in rest and len(rest.split()) < 2:
            problems.append(f"{where}: {word} without a value")
    if "FROM" not in seen:
        problems.append(f"{path}: no FROM")
    return problems


# Broken samples and a problem each must produce: the checks themselves are checked.
BROKEN_WORKFLOW = """\
name: broken
jobs:
  a:
    runs-on: ubuntu-24.04
    steps:
      - run: bash ci/no-such-script.sh
      - uses: actions/checkout
      - run: echo
        uses: actions/checkout@v4
  b:
    needs: nowhere
    steps:
      - run: echo ${{ matrix.undefined }} ${{ github.sha
"""
BROKEN_WORKFLOW_PROBLEMS = ["no 'on'", "names ci/no-such-script.sh", "is not owner/repo@ref",
                            "exactly one of 'run' and 'uses'", "job 'b': no 'runs-on'", "needs unknown job",
                            "unclosed", "matrix.undefined"]
BROKEN_CONTAINERFILE = """\
RUN echo before any FROM
FROM debian:12
ADD x y
COPY no-such-folder /x
CMD ["a", 1]
"""
BROKEN_CONTAINERFILE_PROBLEMS = ["RUN before the first FROM", "'ADD' is not a known instruction",
                                 "COPY source no-such-folder", "not a JSON list of strings"]


def selftest(kind, yaml=None):
    import tempfile
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        samples = [("workflow", BROKEN_WORKFLOW, BROKEN_WORKFLOW_PROBLEMS),
                   ("containerfile", BROKEN_CONTAINERFILE, BROKEN_CONTAINERFILE_PROBLEMS)]
        for sample_kind, text, expected in samples:
            if sample_kind != kind:
                continue
            path = os.path.join(tmp, kind)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            found = "\n".join(check_workflow(path, yaml) if kind == "workflow" else check_containerfile(path))
            failures += [f"selftest: the broken {kind} did not give '{e}'" for e in expected if e not in found]
    return failures


def main(argv):
    if len(argv) < 3 or argv[1] not in ("workflow", "containerfile"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    problems = []
    if argv[1] == "workflow":
        try:
            import yaml
        except ImportError:
            print("check_ci.py: PyYAML is not installed for " + sys.executable +
                  ": the workflow cannot be checked. Install Debian's python3-yaml "
                  "(apt-get install python3-yaml); ci/deps.sh should list it.", file=sys.stderr)
            return 1
        problems += selftest("workflow", yaml)
        for path in argv[2:]:
            problems += check_workflow(path, yaml)
    else:
        problems += selftest("containerfile")
        for path in argv[2:]:
            problems += check_containerfile(path)
    for p in problems:
        print(p)
    if not problems:
        print(f"check_ci.py: {len(argv) - 2} {argv[1]} file(s) checked, no problem")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
