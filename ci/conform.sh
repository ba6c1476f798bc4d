#!/usr/bin/env bash
# Command (a): build, then run the full conformance suite against this machine's kernel, print the
# summary and write the reports into results/ (or the folder given with --out).
# Extra arguments go to `ipcconform run`, e.g. ci/conform.sh -m fifo --out /tmp/r
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/build.sh
exec "${IPCC_BUILD_DIR:-build}/bin/ipcconform" run --out results "$@"
