#!/usr/bin/env bash
# Makes another Debian release's userland with debootstrap and builds ipcconform inside it, for
# `ipcconform run --target chroot:DIR` (the cases then run against that release's C library).
#
#   ci/make-chroot.sh bullseye /var/lib/ipcconform/bullseye
#   build/bin/ipcconform run --target chroot:/var/lib/ipcconform/bullseye
#
# Re-running it on an existing root only copies the sources again and rebuilds.
set -euo pipefail
suite=${1:?usage: ci/make-chroot.sh SUITE DIR (SUITE: bullseye, bookworm, trixie, ...)}
dir=${2:?usage: ci/make-chroot.sh SUITE DIR}
mirror=${IPCC_MIRROR:-http://deb.debian.org/debian}
src=$(cd "$(dirname "$0")/.." && pwd)

[ "$(id -u)" -eq 0 ] || { echo "ci/make-chroot.sh: needs root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || bash "$src/ci/deps.sh" targets

pkgs=cmake,ninja-build,g++,make,libgtest-dev,libgmock-dev,googletest,libboost-dev,libboost-filesystem-dev,nlohmann-json3-dev,libfmt-dev,zlib1g-dev,ca-certificates
if [ ! -x "$dir/usr/bin/cmake" ]; then
  mkdir -p "$dir"
  debootstrap --variant=minbase --include="$pkgs" "$suite" "$dir" "$mirror"
fi
# CLI11 is header-only and not packaged in every release (bullseye has none): the root gets the
# host release's package. The C library under test is still the root's own.
if [ ! -f "$dir/usr/include/CLI/CLI.hpp" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download libcli11-dev >/dev/null)
  cp "$tmp"/libcli11-dev_*.deb "$dir/var/cache/"
  chroot "$dir" sh -c 'dpkg -i /var/cache/libcli11-dev_*.deb >/dev/null && rm -f /var/cache/libcli11-dev_*.deb'
  rm -rf "$tmp"
fi

# The committed sources (or, outside a git checkout, the tree without build folders or results).
rm -rf "$dir/opt/ipcconform"
mkdir -p "$dir/opt/ipcconform"
if git -C "$src" rev-parse HEAD >/dev/null 2>&1; then
  git -C "$src" archive HEAD | tar -C "$dir/opt/ipcconform" -xf -
else
  tar -C "$src" --exclude='./build*' --exclude='./results*' -cf - . | tar -C "$dir/opt/ipcconform" -xf -
fi
# The commit is recorded by the build from git; pass it along since .git is not copied.
commit=$(git -C "$src" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

unshare --mount --propagation private -- /bin/sh -c '
  set -e
  d="$1"; commit="$2"
  mount -t proc proc "$d/proc"
  mount --rbind /dev "$d/dev"
  mount -t tmpfs tmpfs "$d/tmp"
  chroot "$d" /bin/sh -c "cd /opt/ipcconform && cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DIPCC_GIT_COMMIT_OVERRIDE=$commit >/dev/null && ninja -C build ipcconform ipcconform-fixture"
' sh "$dir" "$commit"
echo "ci/make-chroot.sh: $dir/opt/ipcconform/build/bin/ipcconform is ready ($suite)"
