#!/usr/bin/env bash
# Installs, from Debian's packages, whatever the build, the tests or the targets need and is missing.
# Usage: ci/deps.sh [build|targets|all]   (default: build)
# build: what the build and the project's tests need (the tests run a bwrap target and a soak under
# stress-ng) and the man pages the spec inventory is derived from; targets: the tools of every target
# (tests of runsc and uml run when they are installed).
# The POSIX pages (manpages-posix-dev) are in Debian's non-free section: they are downloaded from it and
# unpacked into $IPCC_POSIX_PAGES (default /var/cache/ipcconform/manpages-posix) for ci/spec_derive.py,
# never installed, and no apt source is added to the machine.
set -euo pipefail

build_pkgs=(cmake ninja-build g++ git pkg-config libgtest-dev libgmock-dev googletest
            libboost-dev libboost-filesystem-dev nlohmann-json3-dev libcli11-dev libfmt-dev
            libbenchmark-dev zlib1g-dev lcov chromium python3 python3-yaml bubblewrap stress-ng
            clang-format clang-tidy manpages manpages-dev)
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

# The POSIX pages, once: man3/ and man7/ of manpages-posix-dev and its version in VERSION.
posix_pages() {
  local dest=${IPCC_POSIX_PAGES:-/var/cache/ipcconform/manpages-posix}
  [ -f "$dest/VERSION" ] && return 0
  if [ "$(id -u)" -ne 0 ] && ! mkdir -p "$dest" 2>/dev/null; then
    echo "ci/deps.sh: $dest is missing; run as root to fetch manpages-posix-dev" >&2
    return 1
  fi
  local tmp
  tmp=$(mktemp -d)
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" RETURN
  . /etc/os-release
  mkdir -p "$tmp/lists/partial" "$tmp/archives/partial"
  echo "deb http://deb.debian.org/debian ${VERSION_CODENAME:-bookworm} non-free" >"$tmp/sources.list"
  local apt_opts=(-o Dir::Etc::sourcelist="$tmp/sources.list" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$tmp/lists"
                  -o Dir::Cache::Archives="$tmp/archives" -o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root)
  echo "ci/deps.sh: fetching manpages-posix-dev (non-free) into $dest"
  apt-get "${apt_opts[@]}" update -qq
  (cd "$tmp" && apt-get "${apt_opts[@]}" download -qq manpages-posix-dev)
  local deb
  deb=$(find "$tmp" -maxdepth 1 -name 'manpages-posix-dev_*.deb' | head -n 1)
  [ -n "$deb" ] || { echo "ci/deps.sh: manpages-posix-dev could not be downloaded" >&2; return 1; }
  dpkg-deb -x "$deb" "$tmp/root"
  mkdir -p "$dest"
  rm -rf "$dest/man3" "$dest/man7"
  cp -r "$tmp/root/usr/share/man/man3" "$tmp/root/usr/share/man/man7" "$dest/"
  dpkg-deb -f "$deb" Version >"$dest/VERSION.tmp"
  mv "$dest/VERSION.tmp" "$dest/VERSION"
}
case "${1:-build}" in
  build | all) posix_pages ;;
esac
