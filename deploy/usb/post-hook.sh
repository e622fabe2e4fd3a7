#!/bin/sh
# rc/post-hook.sh of venus-data.tgz. At boot, Venus OS's update-data.sh
# unpacks venus-data.tgz from a USB stick or SD card into /data (everything
# but rc/) and then runs this file with sh (Venus v2.90 and later).
# Plain sh: it runs early in the boot, before D-Bus services and svscan.
#
# With SetupHelper: mark the package for PackageManager, which finds the new
# /data/BatteryAggregator and installs it once (ONE_TIME_INSTALL works even
# with automatic installs off). Without SetupHelper: the package's own
# fallback install (service link via /data/rc.local, which runs at the end
# of this boot).
#
# update-data.sh runs at every boot while the stick is in: remove it after
# the first boot, or each boot reinstalls this version.
PKG=/data/BatteryAggregator
if [ ! -f "$PKG/setup" ]; then
  echo "BatteryAggregator post-hook: $PKG/setup missing after unpacking" >&2
  exit 1
fi
chmod 755 "$PKG/setup"
if [ -f /data/SetupHelper/HelperResources/IncludeHelpers ]; then
  touch "$PKG/ONE_TIME_INSTALL"
else
  bash "$PKG/setup" install
fi
