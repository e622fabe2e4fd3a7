# shellcheck shell=bash
# Shared by the deploy scripts (sourced, not run): names, per-architecture
# facts and small helpers. See deploy/README.md for the flow.
# The variables are for the scripts that source this file:
# shellcheck disable=SC2034

# The SetupHelper package name. It is also the /data folder, the daemontools
# service and the log folder on the GX device. Letters and digits only:
# PackageManager cuts archive names at the first '-'.
BA_PKG=BatteryAggregator
BA_EXE=battery-aggregator
# Where the package lives on the device. The loader path and the rpath are
# linked into the executable, so this cannot change after the build.
BA_DEVICE_DIR=/data/$BA_PKG

ba_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ba_build=$ba_root/build
ba_stage=$ba_build/stage
ba_dist=$ba_build/dist

# Debian's architecture names are used for everything (folders, options).
ba_arch_check() {
  case "${1:-}" in
    armhf | arm64) ;;
    *)
      echo "unknown architecture '${1:-}': use armhf or arm64" >&2
      return 2
      ;;
  esac
}

# ba_arch_vars ARCH: sets triplet, loader (file name of glibc's dynamic
# loader), qemu (user-mode emulator) and cross_pkg (the compiler package).
ba_arch_vars() {
  ba_arch_check "$1"
  case "$1" in
    armhf)
      triplet=arm-linux-gnueabihf
      loader=ld-linux-armhf.so.3
      qemu="qemu-arm-static"
      cross_pkg="g++-arm-linux-gnueabihf"
      ;;
    arm64)
      triplet=aarch64-linux-gnu
      loader=ld-linux-aarch64.so.1
      qemu="qemu-aarch64-static"
      cross_pkg="g++-aarch64-linux-gnu"
      ;;
  esac
}

ba_log() { printf '== %s\n' "$*" >&2; }

# ba_need_packages PKG...: installs the Debian packages that are missing, as
# ordinary packages of the build machine's own architecture (never
# multiarch: see deploy.md 0.4). sudo only when not root.
ba_need_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  ba_log "installing ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  # A stale or missing package list makes the install fail: update first.
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    || ba_log "apt-get update reported errors; trying the install anyway"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}"
}

# ba_retry N CMD...: Debian mirrors sometimes answer "Mirror sync in
# progress" or drop a connection; a few tries with a pause get past that.
ba_retry() {
  local n=$1 i
  shift
  for ((i = 1; i <= n; i++)); do
    "$@" && return 0
    [ "$i" -lt "$n" ] && { ba_log "attempt $i of $n failed: $*; retrying"; sleep $((i * 5)); }
  done
  return 1
}

# The project version, from the top-level CMakeLists.txt (the same number
# that the build writes into version.hpp and --version prints).
ba_project_version() {
  sed -n 's/^project([A-Za-z_]* VERSION \([0-9][0-9.]*\).*/\1/p' "$ba_root/CMakeLists.txt" | head -n 1
}

# Seconds since the epoch, for the timings printed at the end of a script.
ba_now() { date +%s; }
