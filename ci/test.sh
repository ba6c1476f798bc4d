#!/usr/bin/env bash
# Command (b): build, then run the project's own tests (unit tests of the harness and reports, the
# runner driven as a program, the full conformance run, which must be all PASS here, the fault
# injection mutation test), then a short soak: the full suite $IPCC_SOAK_RUNS times (default 3)
# beside stress-ng on every CPU, failing on any case whose outcome changed or any run that leaked.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/build.sh
cd "${IPCC_BUILD_DIR:-build}"
# Serial: several tests look at the whole machine (leaked IPC objects, stray processes).
ctest --output-on-failure --timeout 600
echo "== short soak"
bin/ipcconform soak --runs "${IPCC_SOAK_RUNS:-3}" --load --out soak
