#!/usr/bin/env bash
# Checks that every C and C++ file git tracks is formatted as the root .clang-format says (Debian 12's
# clang-format 14; another release may format a few constructs differently). With --fix, formats them.
# Usage: ci/format.sh [--fix]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then
  echo "ci/format.sh: clang-format is not installed (Debian package clang-format)" >&2
  exit 2
fi
mapfile -t files < <(git ls-files '*.cc' '*.h' '*.c' | grep -v -e '^harness/fuzz/corpus/' -e '^harness/fuzz/regressions/')
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ "${#bad[@]}" -gt 0 ]; then
  echo "ci/format.sh: ${#bad[@]} of ${#files[@]} files are not formatted as .clang-format says:" >&2
  printf '  %s\n' "${bad[@]}" >&2
  echo "ci/format.sh: see the changes with 'clang-format --dry-run FILE'; fix them all with 'bash ci/format.sh --fix'" >&2
  exit 1
fi
echo "ci/format.sh: all ${#files[@]} C/C++ files formatted"
