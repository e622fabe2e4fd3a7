#!/usr/bin/env bash
# stage.sh ARCH...: assembles the SetupHelper package from the template
# deploy/package and the cross builds of the given architectures into
# build/stage/data/BatteryAggregator, exactly the tree that goes to
# /data/BatteryAggregator on the device:
#   setup version gitHubInfo firstCompatibleVersion config.sample.json
#   battery-aggregator.schema.json (the config's JSON Schema, for editors)
#   services/BatteryAggregator/{run,log/run}
#   bin/ARCH/battery-aggregator lib/ARCH/* LICENSES/* BUNDLE-MANIFEST.txt
# The stage is made afresh, so it holds exactly the architectures asked for.
#
# BA_GITHUB_INFO sets gitHubInfo ("user:branch", read by PackageManager when
# it first adds the package). The default names no real GitHub account
# (GitHub user names cannot contain '_'): PackageManager then finds no
# GitHub version and never replaces this build by a download - in
# particular not by the Python add-on that SetupHelper's default package
# list names for BatteryAggregator.
set -euo pipefail
# shellcheck source=deploy/lib.sh # (paths: from the repository root)
source "$(dirname "$0")/lib.sh"

[ $# -gt 0 ] || {
  echo "usage: stage.sh ARCH..." >&2
  exit 2
}
for a in "$@"; do ba_arch_check "$a"; done

pkgdir=$ba_stage/data/$BA_PKG
rm -rf "$ba_stage"
mkdir -p "$pkgdir"
# -a keeps the modes of the template (setup and run scripts are 0755).
cp -a "$ba_root/deploy/package/." "$pkgdir/"
cp "$ba_root/deploy/config.sample.json" "$pkgdir/config.sample.json"
chmod 644 "$pkgdir/config.sample.json"
cp "$ba_root/config/battery-aggregator.schema.json" "$pkgdir/battery-aggregator.schema.json"
chmod 644 "$pkgdir/battery-aggregator.schema.json"

# One version for the package: the one the cross builds compiled in.
version=""
for a in "$@"; do
  hpp=$ba_build/cross-$a/generated/version.hpp
  v=$(sed -n 's/^#define BA_VERSION "\(.*\)"/\1/p' "$hpp" 2>/dev/null || true)
  [ -n "$v" ] || {
    echo "stage.sh: no version in $hpp: run deploy/cross/build.sh $a" >&2
    exit 1
  }
  if [ -n "$version" ] && [ "$v" != "$version" ]; then
    echo "stage.sh: the builds disagree on the version ($version, $v $a): rebuild" >&2
    exit 1
  fi
  version=$v
done
# SetupHelper's form: vX.Y or vX.Y.Z (compared numerically; a d/a/b/~ part
# would mark a pre-release).
echo "v$version" >"$pkgdir/version"
echo "${BA_GITHUB_INFO:-not_on_github:latest}" >"$pkgdir/gitHubInfo"

for a in "$@"; do
  "$ba_root/deploy/cross/bundle.sh" "$a" "$pkgdir"
done

# The source tree that was compiled (BA_SOURCE_DIR may be an export).
src=${BA_SOURCE_DIR:-$ba_root}
commit=$(git -C "$src" describe --always --dirty 2>/dev/null || echo "the source tree $src")
{
  echo "$BA_PKG v$version, built from $commit on $(date -u +%Y-%m-%d)"
  echo
  echo "Every library under lib/<arch> is an unmodified file of the Debian 12"
  echo "(bookworm) package named here; its licence is LICENSES/<package>.copyright."
  echo "The sources are Debian's source packages of the versions given"
  echo "(apt-get source <source package>=<version>). The libraries are separate"
  echo "files, so each can be replaced (LGPL-2.1 section 6)."
  for a in "$@"; do
    echo
    cat "$pkgdir/lib/$a/BUNDLE-MANIFEST.part"
    rm "$pkgdir/lib/$a/BUNDLE-MANIFEST.part"
  done
} >"$pkgdir/BUNDLE-MANIFEST.txt"

ba_log "staged $pkgdir (v$version; $*)"
