#!/usr/bin/env bash
# Command (a): build, then run the full conformance suite against this machine's kernel, print the
# summary and write every report into results/ (or the folder given with --out): results.jsonl and
# junit.xml as the run goes, then report.html, report.md, report.ktap, summary.json and the bundle.
# Extra arguments go to `ipcconform run`, e.g. ci/conform.sh -m fifo --out /tmp/r
# The exit status is the run's.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/build.sh
bin="${IPCC_BUILD_DIR:-build}/bin/ipcconform"

out=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    -o | --out) out="${args[i + 1]:-}" ;;
    --out=*) out="${args[i]#--out=}" ;;
  esac
done
if [ -z "$out" ]; then
  out=results
  set -- --out "$out" "$@"
fi

status=0
"$bin" run "$@" || status=$?
# Status 2: the run was refused (arguments, a target that cannot start) and wrote nothing to report.
if [ "$status" != 2 ] && [ -s "$out/results.jsonl" ]; then
  "$bin" report "$out" --out "$out" --format html,md,ktap,json,bundle ||
    echo "ci/conform.sh: no reports from $out/results.jsonl (the run's records are kept there)" >&2
fi
exit "$status"
