# Shared by scripts/demo and scripts/test: install what is missing, build.
# Sourced, not run.

# Debian 12 packages the project needs to build, test and run its demo.
BA_PACKAGES="cmake g++ ninja-build pkg-config libcaf-dev libsdbus-c++-dev
nlohmann-json3-dev libsystemd-dev dbus"

ba_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

ba_install_deps() {
  local missing=()
  for p in $BA_PACKAGES "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing missing packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  # A mirror in the middle of a sync fails one index now and then: use what
  # the update got; the install below still fails if a package is missing.
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    || echo "apt-get update had errors; continuing with what it got"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}"
}

# ba_build DIR [cmake options...]: configure (once) and build everything.
ba_build() {
  local dir=$1
  shift
  cmake -S "$ba_root" -B "$dir" -G Ninja "$@" >/dev/null
  # Two jobs: the machines this runs on have two cores and CAF is heavy.
  cmake --build "$dir" -j "${BA_JOBS:-2}"
}
