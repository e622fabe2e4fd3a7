#pragma once

// The typed configuration the actors work with. Only main/ parses JSON into
// it; everything else reads this struct. Field comments name the JSON key
// (product.md section 4).

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/optional.hpp>

#include "messages/log_level.hpp"
#include "messages/value.hpp"

namespace ba {

enum class soc_method : uint8_t { weighted, mean, min };

/// `cvlMode` (product.md 2.4).
enum class cvl_mode : uint8_t {
  max_when_balancing,
  min_when_balancing,
  max_always,
  max_when_floating,
  dvcc,
};

/// `cclMode` (product.md 2.3 step 4).
enum class ccl_mode : uint8_t { battery_dvcc, battery, dvcc };

/// `currentRatioMethod` (product.md 2.3 step 2).
enum class ratio_method : uint8_t { capacity, count, ir };

/// `ir` (product.md 2.6).
struct ir_options {
  double max_percentage_error = 0.1;
  double min_voltage_change = 0.02;
};

/// One source named in a role list (`primaryServices`, `auxiliaryServices`,
/// a virtual battery's members): a service name, `name:<CustomName>`, or
/// inside a virtual battery `class:hooks.<Name>[#tag]`, with the paths it is
/// used for. `all_paths` when the list form or an empty path list was given.
struct source_ref {
  std::string name;
  std::vector<std::string> paths; ///< canonical spelling
  bool all_paths = true;
};

enum class topology : uint8_t { merge, parallel, series };

/// A hook's arguments from `classes` (product.md section 3).
struct hook_spec {
  /// `hooks.FixedValueHook`, `hooks.CustomChargingHook`,
  /// `hooks.TemperatureChargingHook`.
  std::string kind;
  /// `hooks.<Name>` or `hooks.<Name>#<tag>`: the key in `classes`.
  std::string key;
  /// FixedValueHook.
  std::string path;
  value fixed;
  /// Charging hooks: (threshold, amps), sorted by threshold ascending.
  std::vector<std::pair<double, double>> ccls;
  std::vector<std::pair<double, double>> dcls;
};

struct virtual_battery {
  /// Its exported service name (the config key).
  std::string service;
  topology kind = topology::merge;
  /// In config order; hooks appear as `class:hooks...` names.
  std::vector<source_ref> members;
};

struct config {
  /// `serviceName`.
  std::string service_name = "com.victronenergy.battery.aggregator";
  /// `excludedServices`: exact service names (or `name:` aliases).
  std::vector<std::string> excluded_services;
  /// `primaryServices`, `auxiliaryServices`, in config order.
  std::vector<source_ref> primary_services;
  std::vector<source_ref> auxiliary_services;
  /// `virtualBatteries`, in config order.
  std::vector<virtual_battery> virtual_batteries;
  /// `classes`, keyed by `hooks.<Name>[#tag]`.
  std::map<std::string, hook_spec> hooks;
  /// `capacity` (Ah): overrides /InstalledCapacity.
  caf::optional<double> capacity;
  /// `socMethod`.
  soc_method soc = soc_method::weighted;
  /// `cvlMode`, `cclMode`, `currentRatioMethod`, `ir`.
  cvl_mode cvl = cvl_mode::max_when_balancing;
  ccl_mode ccl = ccl_mode::battery_dvcc;
  ratio_method ratio = ratio_method::capacity;
  ir_options ir;
  /// `startupBatteryWait` (s): register at the latest after this long.
  double startup_battery_wait = 30;
  /// `reconnectTimeout` (s) and `staleTimeout` (s), section 1.1.
  double reconnect_timeout = 0;
  double stale_timeout = 60;
  /// `publishInterval` (ms): at most one ItemsChanged per interval.
  int publish_interval_ms = 10;
  /// `legacySignals`: also send one PropertiesChanged per changed path.
  bool legacy_signals = false;
  /// `bmsCableWhenMissing`: also raise /Alarms/BmsCable to 1 while a roster
  /// member is missing, as before /Alarms/ParallelBmsLost (for Venus
  /// releases without that notification).
  bool bms_cable_when_missing = false;
  /// `logLevel`.
  log_level level = log_level::info;
};

/// How a reloaded config travels to the actors (config is not inspectable:
/// a shared, immutable copy is sent instead).
using config_ptr = std::shared_ptr<const config>;

bool operator==(const source_ref& x, const source_ref& y);
bool operator==(const hook_spec& x, const hook_spec& y);
bool operator==(const virtual_battery& x, const virtual_battery& y);

/// The last element of a dotted service name: `aggregator` for
/// `com.victronenergy.battery.aggregator`.
std::string service_suffix(const std::string& service);

} // namespace ba
