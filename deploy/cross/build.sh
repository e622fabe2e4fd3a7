#!/usr/bin/env bash
# build.sh ARCH: cross-compiles battery-aggregator for ARCH (armhf|arm64)
# into build/cross-ARCH, with the toolchain file of this folder and the
# sysroot of fetch-sysroot.sh. Incremental: a second run rebuilds only what
# changed.
#
# The build machines have 2 cores shared with other work and CAF is heavy to
# compile: one job at nice 10 by default (BA_JOBS overrides). Tests are off
# (they would need the target's test tools); warnings stay errors as in the
# native build, so a cross-only warning fails here, not on a device.
set -euo pipefail
# shellcheck source=deploy/lib.sh # (paths: from the repository root)
source "$(dirname "$0")/../lib.sh"

arch=${1:-}
ba_arch_vars "$arch"
ba_need_packages "$cross_pkg" cmake ninja-build

# BA_SOURCE_DIR builds another source tree (e.g. an export of a release
# tag) with this tree's deploy scripts; the default is this checkout.
src=$(cd "${BA_SOURCE_DIR:-$ba_root}" && pwd)
dir=$ba_build/cross-$arch
# CMake refuses to reuse a build folder for another source folder.
if [ -f "$dir/CMakeCache.txt" ] \
  && ! grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$src" "$dir/CMakeCache.txt"; then
  ba_log "source folder changed: starting $dir afresh"
  rm -rf "$dir"
fi
# An export (git archive) gives every file the commit's time, which can be
# older than the objects of a previous export in the same place: ninja
# would then keep stale objects and link a mix of two versions. For
# BA_SOURCE_DIR, a content hash of the sources decides instead.
if [ -n "${BA_SOURCE_DIR:-}" ]; then
  sum=$(cd "$src" && find . \( -name .git -o -name 'build*' \) -prune -o -type f -print0 \
    | sort -z | xargs -0 sha1sum | sha1sum | cut -d' ' -f1)
  if [ -f "$dir/CMakeCache.txt" ] && [ "$(cat "$dir/.source-sum" 2>/dev/null)" != "$sum" ]; then
    ba_log "the sources in $src changed: starting $dir afresh"
    rm -rf "$dir"
  fi
  mkdir -p "$dir"
  echo "$sum" >"$dir/.source-sum"
fi
cmake -S "$src" -B "$dir" -G Ninja \
  -DCMAKE_TOOLCHAIN_FILE="$ba_root/deploy/cross/toolchain-$arch.cmake" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBA_TESTS=OFF -DBA_WERROR=ON -DBA_SANITIZE=OFF >"$dir.configure.log" 2>&1 || {
  cat "$dir.configure.log" >&2
  exit 1
}

# The cross build must have found the sysroot's libraries, not the build
# machine's amd64 ones (which would fail only at link time, or worse, not
# at all for header-only parts).
for var in CAF_CORE_LIBRARY CAF_INCLUDE_DIR sdbus-c++_DIR nlohmann_json_DIR; do
  val=$(sed -n "s/^$var:[A-Z]*=//p" "$dir/CMakeCache.txt")
  case "$val" in
    "$ba_build/sysroot-$arch"/*) ;;
    *)
      echo "build.sh: $var=$val is not inside build/sysroot-$arch" >&2
      exit 1
      ;;
  esac
done

nice -n 10 cmake --build "$dir" -j "${BA_JOBS:-1}" --target "$BA_EXE"
ba_log "built $dir/$BA_EXE"
