#!/usr/bin/env bash
# Command (b): build, then run the project's own tests (unit tests of the harness and reports, the
# runner driven as a program, and the full conformance run, which must be all PASS here).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/build.sh
cd "${IPCC_BUILD_DIR:-build}"
# Serial: several tests look at the whole machine (leaked IPC objects, stray processes).
ctest --output-on-failure --timeout 600
