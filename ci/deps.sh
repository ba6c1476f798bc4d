#!/usr/bin/env bash
# Installs, from Debian's packages, whatever the build, the tests or the targets need and is missing.
# Usage: ci/deps.sh [build|targets|all]   (default: build)
# build: what the build and the project's tests need (the tests run a bwrap target and a soak under
# stress-ng); targets: the tools of every target (tests of runsc and uml run when they are installed).
set -euo pipefail

build_pkgs=(cmake ninja-build g++ git pkg-config libgtest-dev libgmock-dev googletest
            libboost-dev libboost-filesystem-dev nlohmann-json3-dev libcli11-dev libfmt-dev
            libbenchmark-dev zlib1g-dev lcov chromium python3 python3-yaml bubblewrap stress-ng
            clang-format clang-tidy)
target_pkgs=(runsc user-mode-linux bubblewrap debootstrap stress-ng)

want=("${build_pkgs[@]}")
case "${1:-build}" in
  build) ;;
  targets) want=("${target_pkgs[@]}") ;;
  all) want+=("${target_pkgs[@]}") ;;
  *) echo "ci/deps.sh: unknown set '$1' (build, targets or all)" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "ci/deps.sh: missing packages (${missing[*]}); run as root or install them" >&2
    exit 1
  fi
  echo "ci/deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
