#!/usr/bin/env bash
# Configures and builds ipcconform into build/ (or $IPCC_BUILD_DIR), installing missing dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/deps.sh build
build_dir=${IPCC_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIPCC_MECHANISMS= "$@" >/dev/null
ninja -C "$build_dir"
