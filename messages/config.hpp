#pragma once

// The typed configuration the actors work with. Only main/ parses JSON into
// it; everything else reads this struct.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/optional.hpp>

#include "messages/log.hpp"

namespace ba {

enum class soc_method : uint8_t { weighted, mean, min };

struct config {
  /// Exported service name (`serviceName`).
  std::string service_name = "com.victronenergy.battery.aggregator";
  /// `excludedServices`: exact service names, never prefixes.
  std::vector<std::string> excluded_services;
  /// `capacity` (Ah): overrides /InstalledCapacity.
  caf::optional<double> capacity;
  /// `socMethod`.
  soc_method soc = soc_method::weighted;
  /// `startupBatteryWait` (s): register at the latest after this long.
  double startup_battery_wait = 30;
  /// `reconnectTimeout` (s) and `staleTimeout` (s), section 1.1.
  double reconnect_timeout = 0;
  double stale_timeout = 60;
  /// `publishInterval` (ms): at most one ItemsChanged per interval.
  int publish_interval_ms = 10;
  /// `legacySignals`: also send one PropertiesChanged per changed path.
  bool legacy_signals = false;
  /// `logLevel`.
  log_level level = log_level::info;
};

/// The last element of a dotted service name: `aggregator` for
/// `com.victronenergy.battery.aggregator`.
std::string service_suffix(const std::string& service);

} // namespace ba
