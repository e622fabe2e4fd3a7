#pragma once

// publisher:<service> owns one exported service: when it registers (a
// device instance is known and a member has valid data, or
// startupBatteryWait passed), the publish cycle (one ItemsChanged per
// publishInterval at most), rounding and text from the path table, and the
// writes clients make to /CustomName and /LogLevel.

#include <map>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/behavior.hpp>
#include <caf/optional.hpp>
#include <caf/stateful_actor.hpp>

#include "messages/bus_port.hpp"
#include "messages/config.hpp"
#include "messages/path_table.hpp"
#include "messages/value.hpp"

namespace ba {

/// One path of the exported service.
struct published_path {
  /// Its row in the path table, looked up once (nullptr: a path outside
  /// the table, passed on with its own type).
  const path_info* row = nullptr;
  /// Latest unrounded value.
  value current;
  /// The rounded value the bus cache holds, once `sent`.
  value on_bus;
  bool sent = false;
  /// Listed in `pending`.
  bool pending = false;
};

struct publisher_state {
  using path_map = std::map<std::string, published_path, path_less>;
  std::string name;
  /// Every path, with its latest value and what the bus has: one look-up
  /// per changed path and update (three maps of path strings before, and
  /// a set whose every insert allocated).
  path_map paths;
  /// Paths changed since the last flush (entries of `paths`, which stay
  /// where they are).
  std::vector<path_map::value_type*> pending;
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
