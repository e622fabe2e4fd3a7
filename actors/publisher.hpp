#pragma once

// publisher:<service> owns one exported service: when it registers (a
// device instance is known and a member has valid data, or
// startupBatteryWait passed), the publish cycle (one ItemsChanged per
// publishInterval at most), rounding and text from the path table, and the
// writes clients make to /CustomName and /LogLevel.

#include <map>
#include <set>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/behavior.hpp>
#include <caf/optional.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/bus_port.hpp"
#include "messages/config.hpp"
#include "messages/value.hpp"

namespace ba {

struct publisher_state {
  std::string name;
  /// Latest unrounded value of every path.
  value_map current;
  /// What the bus cache holds, per path.
  std::map<std::string, export_item> published;
  std::set<std::string> pending;
  bool flush_scheduled = false;
  caf::actor_clock::time_point last_flush;
  caf::optional<int32_t> instance;
  bool ready = false;
  bool registered = false;
  /// `publishInterval` and `legacySignals` (replaced on reload).
  caf::timespan interval = std::chrono::milliseconds(10);
  bool legacy_signals = false;
  /// Receives `redetect_atom` when a client writes 1 to /Redetect.
  caf::actor bank;
  uint64_t signals = 0;
};

/// Identity paths of an exported service (product.md 2.5).
value_map identity_values(const std::string& service,
                          const std::string& product_name);

/// True once the bank has something real to say: a valid voltage, current
/// or SoC (registering earlier would publish a battery without data).
bool has_valid_measurement(const value_map& values);

/// `settings` receives `custom_name` when a client writes /CustomName; the
/// bank actor is given later as (`ready_atom`, bank). `restarted`: the
/// service is already on the bus (a restart after a crash), so register as
/// soon as the device instance is known, without waiting for data.
caf::behavior publisher_actor(caf::stateful_actor<publisher_state>* self,
                              config cfg, std::string service,
                              std::string product_name, bus_port* bus,
                              caf::actor settings, bool restarted);

} // namespace ba
