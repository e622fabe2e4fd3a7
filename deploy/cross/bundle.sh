#!/usr/bin/env bash
# bundle.sh ARCH PKGDIR: puts the cross-built executable and every library it
# needs, glibc's dynamic loader included, into PKGDIR/bin/ARCH and
# PKGDIR/lib/ARCH (PKGDIR becomes /data/BatteryAggregator on the device),
# copies the Debian copyright file of each bundled package to
# PKGDIR/LICENSES, and writes PKGDIR/lib/ARCH/BUNDLE-MANIFEST.part (merged
# into BUNDLE-MANIFEST.txt by stage.sh).
#
# Why bundle glibc and libstdc++ too: a Debian 12 binary needs GLIBC_2.34
# and GLIBCXX_3.4.29, which Venus up to v3.55 lacks, and Venus has no
# libsystemd at all (deploy.md 0.2, 1.2). The executable's PT_INTERP and
# DT_RPATH point into /data/BatteryAggregator/lib/ARCH (toolchain files).
set -euo pipefail
# shellcheck source=deploy/lib.sh # (paths: from the repository root)
source "$(dirname "$0")/../lib.sh"

arch=${1:-}
pkgdir=${2:-}
ba_arch_vars "$arch"
[ -n "$pkgdir" ] || {
  echo "usage: bundle.sh ARCH PKGDIR" >&2
  exit 2
}
sysroot=$ba_build/sysroot-$arch
exe=$ba_build/cross-$arch/$BA_EXE
[ -x "$exe" ] || {
  echo "bundle.sh: no $exe: run deploy/cross/build.sh $arch" >&2
  exit 1
}
readelf=$triplet-readelf
strip=$triplet-strip

bindir=$pkgdir/bin/$arch
libdir=$pkgdir/lib/$arch
rm -rf "$bindir" "$libdir"
mkdir -p "$bindir" "$libdir" "$pkgdir/LICENSES"

# The device gets a stripped copy; build/cross-ARCH keeps the debug info
# for reading a core dump or a backtrace from the field.
cp "$exe" "$bindir/$BA_EXE"
"$strip" --strip-all "$bindir/$BA_EXE"
chmod 755 "$bindir/$BA_EXE"

# The loader must be the one named in PT_INTERP.
interp=$("$readelf" -l "$exe" | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]/\1/p')
if [ "$interp" != "$BA_DEVICE_DIR/lib/$arch/$loader" ]; then
  echo "bundle.sh: $exe has interpreter '$interp', expected $BA_DEVICE_DIR/lib/$arch/$loader" >&2
  exit 1
fi

# find_lib SONAME: the file in the sysroot the device's loader would load.
find_lib() {
  local d
  for d in "$sysroot/lib/$triplet" "$sysroot/usr/lib/$triplet"; do
    if [ -e "$d/$1" ]; then
      readlink -f "$d/$1"
      return 0
    fi
  done
  return 1
}

# Walk DT_NEEDED from the executable: every library it needs, and every
# library those need, each copied once under its soname (cp -L semantics).
declare -A have=()
queue=("$bindir/$BA_EXE")
add_lib() { # SONAME
  local so=$1 file
  [ -n "${have[$so]:-}" ] && return 0
  file=$(find_lib "$so") || {
    echo "bundle.sh: $so (needed by the closure of $BA_EXE) is not in $sysroot" >&2
    exit 1
  }
  have[$so]=$file
  cp "$file" "$libdir/$so"
  queue+=("$libdir/$so")
}
add_lib "$loader"
while [ ${#queue[@]} -gt 0 ]; do
  f=${queue[0]}
  queue=("${queue[@]:1}")
  while read -r so; do
    add_lib "$so"
  done < <("$readelf" -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
done
# The loader and libc are executable files in Debian; keep that (running
# the loader by hand, as check-bundle.sh does, needs it).
chmod 755 "$libdir/$loader"

# Which Debian package each bundled file came from (fetch-sysroot.sh wrote
# the file lists), for the manifest and the licences.
manifest=$libdir/BUNDLE-MANIFEST.part
{
  echo "[$arch] $BA_DEVICE_DIR/lib/$arch ($triplet)"
  printf '%-26s %-20s %-26s %s\n' "file" "package" "version" "source package (version)"
} >"$manifest"
declare -A pkgs=()
for so in $(printf '%s\n' "${!have[@]}" | sort); do
  rel=${have[$so]#"$sysroot"}
  owner=$(grep -lx -F "$rel" "$sysroot"/.manifest/*.files | head -n 1 || true)
  [ -n "$owner" ] || {
    echo "bundle.sh: no Debian package in the sysroot owns $rel" >&2
    exit 1
  }
  p=$(basename "$owner" .files)
  pkgs[$p]=1
  read -r _ v src srcv < <(grep "^$p " "$sysroot/.manifest/packages")
  printf '%-26s %-20s %-26s %s\n' "$so" "$p" "$v" "$src ($srcv)" >>"$manifest"
done

# Licences: Debian's machine-readable copyright file of each package. Some
# packages (libstdc++6, libgcc-s1) share the one of gcc-12-base through a
# symlinked doc folder; readlink -f follows it.
for p in "${!pkgs[@]}"; do
  c=$(readlink -f "$sysroot/usr/share/doc/$p")/copyright
  [ -f "$c" ] || {
    echo "bundle.sh: no copyright file for $p ($c)" >&2
    exit 1
  }
  cp "$c" "$pkgdir/LICENSES/$p.copyright"
done

ba_log "bundled $arch: ${#have[@]} files in lib/$arch ($(du -sh "$libdir" | cut -f1)), bin/$arch $(du -sh "$bindir" | cut -f1)"
