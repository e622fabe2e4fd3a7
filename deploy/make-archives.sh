#!/usr/bin/env bash
# make-archives.sh: packs build/stage/data/BatteryAggregator into build/dist:
#
#   BatteryAggregator-install.tar.gz
#       top folder BatteryAggregator/ (with the version file). The name is
#       what PackageManager accepts from the root of a USB stick or SD card:
#       "<package>-<suffix>.tar.gz" with a suffix such as -install or
#       -latest, or one starting with a digit (SetupHelper's acceptList);
#       PackageManager moves the folder to /data/BatteryAggregator. The same
#       file serves a manual install (tar -xzf ... -C /data).
#   venus-data.tgz
#       Venus OS's own USB/SD mechanism: at boot, update-data.sh unpacks a
#       venus-data.tgz from removable media into /data and runs its
#       rc/post-hook.sh (deploy/usb/post-hook.sh), which installs the
#       package with or without SetupHelper.
#   SHA256SUMS, SIZES.txt
#
# Modes are kept (setup, run scripts, the executables and the loader are
# 0755); owner root, and entries sorted with a fixed time (the commit's),
# so that the same tree gives the same archive.
set -euo pipefail
# shellcheck source=deploy/lib.sh # (paths: from the repository root)
source "$(dirname "$0")/lib.sh"

pkgdir=$ba_stage/data/$BA_PKG
[ -f "$pkgdir/version" ] || {
  echo "make-archives.sh: nothing staged in $pkgdir: run deploy/stage.sh" >&2
  exit 1
}
rm -rf "$ba_dist"
mkdir -p "$ba_dist"
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$ba_root" log -1 --format=%ct 2>/dev/null || date +%s)}
pack() { # ARCHIVE DIR ENTRY...
  local out=$1 dir=$2
  shift 2
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
    -C "$dir" -cf - "$@" | gzip -n -9 >"$out"
}

pack "$ba_dist/$BA_PKG-install.tar.gz" "$ba_stage/data" "$BA_PKG"

usb=$(mktemp -d)
trap 'rm -rf "$usb"' EXIT
mkdir -p "$usb/rc"
cp -a "$pkgdir" "$usb/$BA_PKG"
install -m 755 "$ba_root/deploy/usb/post-hook.sh" "$usb/rc/post-hook.sh"
pack "$ba_dist/venus-data.tgz" "$usb" "$BA_PKG" rc

(cd "$ba_dist" && sha256sum ./*.tar.gz ./*.tgz >SHA256SUMS)

{
  echo "$BA_PKG $(cat "$pkgdir/version"): $(cd "$pkgdir/bin" && echo *)"
  printf '%-34s %10s\n' "what" "bytes"
  for d in "$pkgdir"/bin/* "$pkgdir"/lib/*; do
    printf '%-34s %10s\n' "${d#"$ba_stage"/}" "$(du -sb "$d" | cut -f1)"
  done
  printf '%-34s %10s\n' "/data/$BA_PKG (unpacked)" "$(du -sb "$pkgdir" | cut -f1)"
  for f in "$ba_dist"/*.tar.gz "$ba_dist"/*.tgz; do
    printf '%-34s %10s\n' "$(basename "$f")" "$(stat -c %s "$f")"
  done
} >"$ba_dist/SIZES.txt"
cat "$ba_dist/SIZES.txt"
