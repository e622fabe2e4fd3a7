#!/usr/bin/env bash
# fetch-sysroot.sh ARCH: unpacks Debian 12's ARCH (armhf|arm64) libraries and
# headers that the cross build links against and the package bundles into
# build/sysroot-ARCH, without touching the build machine's own packages.
#
# Why not `dpkg --add-architecture` + `apt-get install libcaf-dev:armhf`:
# libcaf-dev and libcaf-core0.17 are Multi-Arch: no, so apt would remove the
# amd64 CAF that the native build and the tests need (deploy.md 0.4, 4.1).
# Instead: a private apt configuration (lists and cache under build/apt)
# that knows the foreign architectures, `apt-get download` of an explicit
# package list, and `dpkg -x` of each .deb.
#
# Outputs, besides the unpacked tree:
#   build/sysroot-ARCH/.debs/*.deb          the downloaded packages
#   build/sysroot-ARCH/.manifest/PKG.files  the files of each package (for
#                                           bundle.sh: which deb a library
#                                           came from)
#   build/sysroot-ARCH/.manifest/packages   PKG VERSION SOURCE SOURCE-VERSION
# A finished sysroot is reused; BA_REFETCH=1 forces a new download.
set -euo pipefail
# shellcheck source=deploy/lib.sh # (paths: from the repository root)
source "$(dirname "$0")/../lib.sh"

arch=${1:-}
ba_arch_vars "$arch"

# Runtime libraries bundled on the device (glibc and libstdc++ too, see
# deploy.md 1.2: Venus up to v3.55 has glibc 2.31 and libstdc++ of gcc 9),
# plus the -dev packages for headers, .so links and CMake package files.
# The closure of libsystemd0 is listed by hand (deploy.md 4.1): a resolver
# would also drag in packages we must not have, like libelogind0, which
# ships a second libsystemd.so.0.
packages=(
  libc6 libgcc-s1 libstdc++6
  # libgcc-s1 and libstdc++6 keep their copyright file in gcc-12-base.
  gcc-12-base
  libcaf-core0.17 libcaf-dev
  libsdbus-c++1 libsdbus-c++-dev
  libsystemd0 libsystemd-dev
  libcap2 libgcrypt20 libgpg-error0 liblz4-1 liblzma5 libzstd1
)
# Architecture-independent headers (the CMake config is found only inside
# the sysroot: CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY).
packages_all=(nlohmann-json3-dev)

sysroot=$ba_build/sysroot-$arch
stamp=$sysroot/.complete
want="${packages[*]} ${packages_all[*]}"
if [ -z "${BA_REFETCH:-}" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  ba_log "sysroot $sysroot is up to date (BA_REFETCH=1 to download again)"
  exit 0
fi

ba_need_packages apt dpkg

# Private apt state: nothing under /etc/apt or /var/lib/apt is written, and
# the system's sources (which may list third-party repositories) are not
# used. The machine's apt.conf.d (proxies, validity checks) still applies.
aptx=$ba_build/apt
mirror=${BA_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${BA_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || ba_need_packages debian-archive-keyring
mkdir -p "$aptx/lists/partial" "$aptx/cache/archives/partial" "$aptx/etc"
: >"$aptx/status.new"
[ -f "$aptx/status" ] || mv "$aptx/status.new" "$aptx/status"
rm -f "$aptx/status.new"
opts="[arch=amd64,armhf,arm64 signed-by=$keyring]"
cat >"$aptx/etc/sources.list" <<EOF
deb $opts $mirror bookworm main
deb $opts $mirror bookworm-updates main
deb $opts $security bookworm-security main
EOF
cat >"$aptx/apt.conf" <<EOF
Dir::State "$aptx";
Dir::State::Lists "$aptx/lists";
Dir::State::status "$aptx/status";
Dir::Cache "$aptx/cache";
Dir::Etc::SourceList "$aptx/etc/sources.list";
Dir::Etc::SourceParts "/nonexistent";
APT::Architecture "amd64";
APT::Architectures { "amd64"; "armhf"; "arm64"; };
EOF
export APT_CONFIG=$aptx/apt.conf

# The lists are shared by both architectures; refresh them at most once an
# hour so that `scripts/package all` does not download them twice.
if [ -z "$(find "$aptx/lists" -maxdepth 1 -name '*_Packages*' -mmin -60 2>/dev/null | head -n 1)" ]; then
  ba_log "updating the private package lists in $aptx"
  # The -security index has failed before ("Mirror sync in progress?");
  # bookworm alone still has every package, so a partial update is used as
  # long as apt can then find the packages (checked by the download below).
  ba_retry 3 apt-get update -qq || ba_log "apt-get update had errors; continuing with what it got"
fi

debs=$sysroot/.debs
rm -rf "$sysroot"
mkdir -p "$debs" "$sysroot/.manifest"
names=()
for p in "${packages[@]}"; do names+=("$p:$arch"); done
names+=("${packages_all[@]}")
ba_log "downloading ${#names[@]} $arch packages"
# apt-get download writes into the current folder. As root it drops to the
# _apt user, which cannot write there: a harmless warning, not an error.
# The check below, not the exit status, decides: some names may have come
# on an earlier try.
(
  cd "$debs"
  ba_retry 3 apt-get download -q "${names[@]}" 2>&1 | grep -v "unsandboxed as root"
) || true
for n in "${names[@]}"; do
  p=${n%%:*}
  compgen -G "$debs/${p}_*.deb" >/dev/null || {
    echo "fetch-sysroot: $n was not downloaded" >&2
    exit 1
  }
done

for deb in "$debs"/*.deb; do
  p=$(dpkg-deb -f "$deb" Package)
  case "$p" in
    libelogind*)
      echo "fetch-sysroot: refusing $deb: its libsystemd.so.0 is elogind's" >&2
      exit 1
      ;;
  esac
  dpkg -x "$deb" "$sysroot"
  dpkg-deb --fsys-tarfile "$deb" | tar -t | sed 's#^\./#/#' >"$sysroot/.manifest/$p.files"
  v=$(dpkg-deb -f "$deb" Version)
  # Source: "name" or "name (version)"; absent when equal to the package.
  src=$(dpkg-deb -f "$deb" Source)
  srcname=${src%% *}
  srcver=$(sed -n 's/.*(\(.*\)).*/\1/p' <<<"$src")
  printf '%s %s %s %s\n' "$p" "$v" "${srcname:-$p}" "${srcver:-$v}" >>"$sysroot/.manifest/packages"
done

# Debian's .so links are absolute for some packages (e.g. /lib/...); make
# them point inside the sysroot so that the linker and CMake find the file.
while IFS= read -r -d '' link; do
  target=$(readlink "$link")
  case "$target" in
    /*) ln -sfn "$sysroot$target" "$link" ;;
  esac
done < <(find "$sysroot/usr/lib" "$sysroot/lib" -type l -print0 2>/dev/null)

echo "$want" >"$stamp"
ba_log "sysroot ready: $sysroot ($(du -sh "$sysroot" | cut -f1))"
