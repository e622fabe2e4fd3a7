#!/usr/bin/env bash
# check-bundle.sh ARCH ROOT: checks the bundled executable under ROOT, a
# fake root holding ROOT/data/BatteryAggregator (build/stage, or the smoke
# test's unpacked archive), without a device:
#   - it is an ELF for ARCH (hard-float for armhf), stripped;
#   - PT_INTERP is the bundled loader, DT_RPATH (not RUNPATH) the bundle;
#   - the library closure resolves only inside the bundle: the bundled
#     loader's --list under qemu-user, with qemu's -L mapping the absolute
#     /data/... paths into ROOT (deploy.md 0.6). A library missing from the
#     bundle would show as "not found" or as a path outside it (on a device:
#     whatever /etc/ld.so.cache offers, the wrong glibc for instance);
#   - the program runs: --version under qemu.
# Prints one line per check and "N passed, N failed"; exits 1 on a failure.
set -euo pipefail
# shellcheck source=deploy/lib.sh # (paths: from the repository root)
source "$(dirname "$0")/../lib.sh"

arch=${1:-}
root=${2:-$ba_stage}
ba_arch_vars "$arch"
ba_need_packages qemu-user-static file "binutils-$triplet"
root=$(cd "$root" && pwd)
exe_dev=$BA_DEVICE_DIR/bin/$arch/$BA_EXE
lib_dev=$BA_DEVICE_DIR/lib/$arch
exe=$root$exe_dev

passed=0
failed=0
# check NAME DETAIL CMD...: runs CMD as the test (inside `if`, so that a
# failing test is counted, not fatal under set -e); DETAIL is printed on
# failure.
check() {
  local name=$1 detail=$2
  shift 2
  if "$@"; then
    passed=$((passed + 1))
    echo "ok   $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name${detail:+: $detail}"
  fi
}
has_no() { ! grep -q -e "$1" <<<"$2"; }

if [ ! -f "$exe" ]; then
  check "$arch executable present at $exe_dev" "missing under $root" false
  echo "$passed passed, $failed failed"
  exit 1
fi

desc=$(file -b "$exe")
hdr=$("$triplet-readelf" -h "$exe")
is_arch() {
  case $arch in
    armhf) [[ $desc == *"32-bit LSB"*ARM*EABI5* && $hdr == *"hard-float ABI"* ]] ;;
    arm64) [[ $desc == *"64-bit LSB"*"ARM aarch64"* ]] ;;
  esac
}
check "ELF for $arch" "$desc" is_arch
check "executable stripped" "$desc" grep -q ', stripped' <<<"$desc"

interp=$("$triplet-readelf" -l "$exe" | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]/\1/p')
check "PT_INTERP is $lib_dev/$loader" "$interp" test "$interp" = "$lib_dev/$loader"

dyn=$("$triplet-readelf" -d "$exe")
rpath=$(sed -n 's/.*(RPATH).*\[\(.*\)\]/\1/p' <<<"$dyn")
check "DT_RPATH is $lib_dev" "'$rpath'" test "$rpath" = "$lib_dev"
check "no DT_RUNPATH" "RUNPATH would not cover the libraries' own dependencies" \
  has_no '(RUNPATH)' "$dyn"
check "bundled loader $loader executable" "" test -x "$root$lib_dev/$loader"

# Keep the build machine out of the lookup as far as qemu allows: the
# loader reads /etc/ld.so.cache, which -L maps to ROOT/etc/ld.so.cache when
# that exists; an empty file is rejected as a cache, so no system library
# can be offered from there.
mkdir -p "$root/etc"
[ -e "$root/etc/ld.so.cache" ] || : >"$root/etc/ld.so.cache"
list=$(env -u LD_LIBRARY_PATH -u LD_PRELOAD "$qemu" -L "$root" "$root$lib_dev/$loader" --list "$exe_dev" 2>&1) || true
while IFS= read -r line; do printf '     %s\n' "$line"; done <<<"$list"
# Allowed besides the bundle: the loader itself and the kernel's vDSO
# (linux-vdso.so.1; nameless under qemu-aarch64: "	 (0x...)").
outside=$(grep -v -e "=> $lib_dev/" -e "^[[:space:]]*$lib_dev/$loader " -e 'linux-vdso' -e 'linux-gate' \
  -e '^[[:space:]]*(0x[0-9a-f]*)$' <<<"$list" || true)
n=$(grep -c "=> $lib_dev/" <<<"$list" || true)
check "library closure only inside $lib_dev ($n libraries)" "$outside" \
  test -z "$outside" -a "$n" -gt 0

bundled=$(find "$root$lib_dev" -maxdepth 1 -name '*.so*' ! -name "$loader" | wc -l)
check "no unused library in the bundle ($bundled files)" "" test "$bundled" -eq "$n"

ver=$("$qemu" -L "$root" "$exe" --version 2>&1) || true
check "$BA_EXE --version runs under $qemu" "$ver" grep -qx "$BA_EXE [0-9][0-9.]*" <<<"$ver"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
