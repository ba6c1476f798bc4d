#!/usr/bin/env bash
# Syntax of every CI script (ci/*.sh, .ci/run): `bash -n`, and shellcheck at severity warning when it
# is installed (Debian's shellcheck). Prints the problems; exits 1 when there is any.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
scripts=(ci/*.sh .ci/run)
status=0
for f in "${scripts[@]}"; do
  first=$(head -n 1 "$f")
  case "$first" in
    '#!/usr/bin/env bash' | '#!/bin/bash') ;;
    *) echo "$f: the first line is not a bash shebang: $first"; status=1 ;;
  esac
  [ -x "$f" ] || { echo "$f: not executable"; status=1; }
  bash -n "$f" || { echo "$f: bash -n failed"; status=1; }
done
if command -v shellcheck >/dev/null; then
  shellcheck -S warning "${scripts[@]}" || status=1
  checker="bash -n and shellcheck"
else
  checker="bash -n (shellcheck is not installed)"
fi
[ "$status" -eq 0 ] && echo "check_scripts.sh: ${#scripts[@]} scripts pass $checker"
exit "$status"
