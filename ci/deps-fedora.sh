#!/usr/bin/env bash
# Installs, from Fedora's packages, whatever the build and the tests need and is missing: the
# counterpart of `ci/deps.sh build` for Fedora (containers, ci/github/Containerfile.fedora).
set -euo pipefail

pkgs=(cmake ninja-build gcc-c++ git pkgconf-pkg-config gtest-devel gmock-devel boost-devel zlib-devel json-devel
      cli11-devel fmt-devel google-benchmark-devel lcov clang-tools-extra)

missing=()
for p in "${pkgs[@]}"; do
  rpm -q "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "ci/deps-fedora.sh: missing packages (${missing[*]}); run as root or install them" >&2
    exit 1
  fi
  echo "ci/deps-fedora.sh: installing ${missing[*]}"
  dnf install -y -q --setopt=install_weak_deps=False "${missing[@]}"
fi
