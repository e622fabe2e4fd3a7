#!/usr/bin/env bash
# qemu-smoke.sh [ARCH]: runs the packaged ARCH build (default armhf) of
# build/dist/BatteryAggregator-install.tar.gz under qemu-user, on a private
# bus configured like Venus OS's system bus, against the project's own
# Venus test doubles built natively (tests/sim), and checks what a GX
# device would see (deploy.md 5.3). Normally run by scripts/smoke-test,
# which builds the package first.
#
#  1. unpack the archive into a fake root STAGE (STAGE/data/BatteryAggregator)
#     and give it the config that setup creates (config.sample.json);
#  2. deploy/cross/check-bundle.sh: ELF type, PT_INTERP, DT_RPATH, library
#     closure only inside the bundle (loader --list), --version;
#  3. --check-config of that config, under qemu;
#  4. dbus-daemon with deploy/smoke/bus.conf.in; venus-sim-settings and two
#     venus-sim-battery sources on it;
#  5. the service, as `qemu -L STAGE STAGE/data/.../battery-aggregator
#     --config STAGE/data/setupOptions/...`: -L maps the absolute /data
#     paths of the loader and rpath into STAGE; the config is named by its
#     host path, because qemu-user does not map stat() (the loader refuses
#     what it cannot stat, so a mapped-only path read as missing); the bus
#     comes from
#     DBUS_SYSTEM_BUS_ADDRESS, as sd-bus reads it;
#  6. it registers com.victronenergy.battery.aggregator; the values Venus's
#     battery and BMS lists need are right; an input change reaches the
#     aggregate (GetValue and an ItemsChanged signal); SIGTERM stops it
#     cleanly.
# Prints "N passed, N failed" last; exits 1 on any failure.
set -euo pipefail
# shellcheck source=deploy/lib.sh # (paths: from the repository root)
source "$(dirname "$0")/../lib.sh"

arch=${1:-armhf}
ba_arch_vars "$arch"
# busctl (systemd) writes the variant dicts of SetItems; dbus-send cannot.
ba_need_packages qemu-user-static dbus dbus-bin systemd

archive=$ba_dist/$BA_PKG-install.tar.gz
sim_dir=${BA_SIM_DIR:-$ba_build/tests/sim}
svc=com.victronenergy.battery.aggregator
iface=com.victronenergy.BusItem
exe_dev=$BA_DEVICE_DIR/bin/$arch/$BA_EXE
cfg_dev=/data/setupOptions/$BA_PKG/config.json

passed=0
failed=0
ok() {
  passed=$((passed + 1))
  echo "ok   $*"
}
fail() {
  failed=$((failed + 1))
  echo "FAIL $*"
}
started=$(ba_now)
finish() {
  echo "smoke test ($arch) took $(($(ba_now) - started)) s"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && exit 0
  exit 1
}

if [ ! -f "$archive" ] || ! tar -tzf "$archive" "$BA_PKG/bin/$arch/$BA_EXE" >/dev/null 2>&1; then
  fail "$archive with bin/$arch: run scripts/package $arch"
  finish
fi

# The test doubles run natively on the build machine.
if [ ! -x "$sim_dir/venus-sim-battery" ] || [ ! -x "$sim_dir/venus-sim-settings" ]; then
  ba_log "building the test doubles natively in build/"
  ba_need_packages cmake g++ ninja-build pkg-config libcaf-dev libsdbus-c++-dev \
    nlohmann-json3-dev libsystemd-dev
  cmake -S "$ba_root" -B "$ba_build" -G Ninja >/dev/null
  nice -n 10 cmake --build "$ba_build" -j "${BA_JOBS:-1}" --target venus-sim-battery venus-sim-settings
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/ba-smoke.XXXXXX")
pids=()
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  local p i
  # Only the processes this script started, by their PIDs; the service
  # first, while its bus is still there. Whatever ignores SIGTERM for 5 s
  # is killed, so that a hung process cannot hang the test.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    p=${pids[$i]}
    kill "$p" 2>/dev/null || continue
    for _ in $(seq 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$stage"
}
trap cleanup EXIT

mkdir -p "$stage/data/setupOptions/$BA_PKG" "$stage/bus"
tar -xzf "$archive" -C "$stage/data"
cp "$stage$BA_DEVICE_DIR/config.sample.json" "$stage$cfg_dev"

# --- the bundle ---
if out=$("$ba_root/deploy/cross/check-bundle.sh" "$arch" "$stage"); then :; fi
echo "$out" | grep -v '^[0-9]* passed' || true
p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<<"$out")
f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<<"$out")
passed=$((passed + ${p:-0}))
failed=$((failed + ${f:-1}))

if out=$("$qemu" -L "$stage" "$stage$exe_dev" --check-config "$stage$cfg_dev" 2>&1); then
  ok "config.sample.json passes --check-config"
else
  fail "config.sample.json fails --check-config: $out"
fi

# --- the bus and the test doubles ---
sock=$stage/bus/system_bus_socket
sed "s#@SOCK@#$sock#" "$ba_root/deploy/smoke/bus.conf.in" >"$stage/bus/bus.conf"
# "Failed to set fd limit" is expected when not run as the real system bus.
dbus-daemon --config-file="$stage/bus/bus.conf" --nofork >"$stage/bus/daemon.log" 2>&1 &
pids+=($!)
addr=unix:path=$sock
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
if [ -S "$sock" ]; then ok "private system bus up"; else
  fail "dbus-daemon did not start: $(cat "$stage/bus/daemon.log")"
  finish
fi
A=(--address="$addr")

# start_sim NAME LOG CMD...: starts a test double and waits for "READY NAME".
start_sim() {
  local name=$1 log=$2
  shift 2
  "$@" --address "$addr" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    grep -q "^READY $name" "$log" && return 0
    sleep 0.1
  done
  echo "--- $log" && cat "$log"
  return 1
}
if start_sim com.victronenergy.settings "$stage/settings.log" "$sim_dir/venus-sim-settings" \
  && start_sim com.victronenergy.battery.sim1 "$stage/sim1.log" "$sim_dir/venus-sim-battery" \
    --name com.victronenergy.battery.sim1 --instance 1 --set /Soc=d:60 --set /Dc/0/Current=d:10 \
  && start_sim com.victronenergy.battery.sim2 "$stage/sim2.log" "$sim_dir/venus-sim-battery" \
    --name com.victronenergy.battery.sim2 --instance 2 --set /Soc=d:40 --set /Dc/0/Current=d:5; then
  ok "test doubles ready (settings, two batteries)"
else
  fail "test doubles did not start"
  finish
fi

# --- the service under qemu ---
t0=$(ba_now)
env -u DBUS_SESSION_BUS_ADDRESS -u LD_LIBRARY_PATH -u LD_PRELOAD \
  DBUS_SYSTEM_BUS_ADDRESS="$addr" MALLOC_ARENA_MAX=2 \
  "$qemu" -L "$stage" "$stage$exe_dev" --config "$stage$cfg_dev" >"$stage/app.log" 2>&1 &
app=$!
pids+=("$app")
registered=""
for _ in $(seq 180); do
  if busctl "${A[@]}" call org.freedesktop.DBus / org.freedesktop.DBus NameHasOwner s "$svc" 2>/dev/null \
    | grep -q 'b true'; then
    registered=yes
    break
  fi
  kill -0 "$app" 2>/dev/null || break
  sleep 0.5
done
if [ -n "$registered" ]; then
  ok "$svc registered under $qemu after $(($(ba_now) - t0)) s"
else
  fail "$svc not registered within 90 s"
  echo "--- service log" && cat "$stage/app.log"
  finish
fi

# get PATH: the value as busctl prints it ("d 50", "s \"...\"", "ai 0").
get() {
  busctl "${A[@]}" call "$svc" "$1" "$iface" GetValue 2>&1 | sed 's/^v //'
}
# expect PATH TYPE VALUE: polls up to 30 s (the first publish cycle, the
# sources' first GetItems) for the type and value; doubles within 0.01.
expect() {
  local path=$1 type=$2 want=$3 got=""
  for _ in $(seq 60); do
    got=$(get "$path")
    if [ "${got%% *}" = "$type" ]; then
      case "$type" in
        d) awk -v a="${got#d }" -v b="$want" 'BEGIN { exit !((a - b) < 0.01 && (b - a) < 0.01) }' && break ;;
        *) [ "${got#"$type" }" = "$want" ] && break ;;
      esac
    fi
    sleep 0.5
  done
  if [ "$got" = "$type $want" ] || { [ "$type" = d ] && [ "${got%% *}" = d ] \
    && awk -v a="${got#d }" -v b="$want" 'BEGIN { exit !((a - b) < 0.01 && (b - a) < 0.01) }'; }; then
    ok "$path = $got"
  else
    fail "$path = '$got', expected '$type $want'"
  fi
}

expect /DeviceInstance i 1024
expect /Connected i 1
expect /ProductName s '"Battery Aggregator"'
expect /Mgmt/Connection s '"Virtual"'
# Capacity-weighted SoC of 60 % and 40 % (both 100 Ah); currents add up.
expect /Soc d 50
expect /Dc/0/Current d 15
# Valid, so that systemcalc lists the aggregate as a BMS for DVCC.
mcv=$(get /Info/MaxChargeVoltage)
if [[ $mcv =~ ^d\ [0-9]+(\.[0-9]+)?$ ]] && awk -v v="${mcv#d }" 'BEGIN { exit !(v > 40 && v < 65) }'; then
  ok "/Info/MaxChargeVoltage = $mcv"
else
  fail "/Info/MaxChargeVoltage = '$mcv', expected a valid voltage"
fi

# An input change reaches the aggregate: a value and an ItemsChanged signal.
dbus-monitor --address "$addr" \
  "type='signal',sender='$svc',interface='$iface',member='ItemsChanged',path='/'" \
  >"$stage/monitor.log" 2>&1 &
pids+=($!)
sleep 1
# "--": busctl would take -20 for an option.
busctl "${A[@]}" call -- com.victronenergy.battery.sim1 / org.example.VenusSim SetItems 'a{sv}' 1 \
  /Dc/0/Current d -20 >/dev/null
expect /Dc/0/Current d -15
for _ in $(seq 20); do
  grep -q 'double -15' "$stage/monitor.log" && break
  sleep 0.25
done
if grep -A12 '"/Dc/0/Current"' "$stage/monitor.log" | grep -q 'double -15'; then
  ok "ItemsChanged on / carries /Dc/0/Current = -15"
else
  fail "no ItemsChanged with /Dc/0/Current = -15 seen"
fi

# daemontools stops a service with SIGTERM (svc -d / svc -t).
if kill -0 "$app" 2>/dev/null; then
  ok "service still running after the checks"
  kill -TERM "$app"
  rc=0
  for _ in $(seq 40); do kill -0 "$app" 2>/dev/null || break; sleep 0.25; done
  if kill -0 "$app" 2>/dev/null; then
    fail "service did not stop within 10 s of SIGTERM"
  else
    wait "$app" || rc=$?
    if [ "$rc" -eq 0 ]; then ok "SIGTERM: clean exit (0)"; else fail "SIGTERM: exit status $rc"; fi
  fi
else
  fail "service died during the checks"
fi

if [ "$failed" -gt 0 ]; then
  echo "--- service log (last 40 lines)"
  tail -n 40 "$stage/app.log"
fi
finish
