#!/usr/bin/env bash
# Runs clang-tidy (the root .clang-tidy; Debian 12's clang-tidy 14) over every translation unit of the
# project outside the tests, with the compile commands of a build, in parallel on every CPU. Any
# warning fails. Usage: ci/tidy.sh [BUILD_DIR] [FILE...]   (default: build/, every file)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-${IPCC_BUILD_DIR:-build}}
shift || true
if ! command -v clang-tidy >/dev/null; then
  echo "ci/tidy.sh: clang-tidy is not installed (Debian package clang-tidy)" >&2
  exit 2
fi
if [ ! -f "$build_dir/compile_commands.json" ]; then
  echo "ci/tidy.sh: $build_dir/compile_commands.json is missing: build first (bash ci/build.sh)" >&2
  exit 2
fi
if [ "$#" -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(git ls-files '*.cc' | grep -v -e '/tests/' -e '_test\.cc$' -e '^harness/fuzz/')
fi
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
printf '%s\n' "${files[@]}" |
  xargs -P "$(nproc)" -I{} sh -c 'clang-tidy --quiet -p "$1" "$2" >"$3/$(echo "$2" | tr / _).log" 2>&1 || echo "$2" >>"$3/failed"' \
    sh "$build_dir" {} "$log"
if [ -s "$log/failed" ]; then
  while read -r f; do
    echo "== $f"
    grep -E 'warning:|error:' -A3 "$log/$(echo "$f" | tr / _).log" | head -40
  done <"$log/failed"
  echo "ci/tidy.sh: $(wc -l <"$log/failed") of ${#files[@]} files have clang-tidy findings (above)" >&2
  exit 1
fi
echo "ci/tidy.sh: ${#files[@]} files, no findings"
