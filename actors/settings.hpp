#pragma once

// settings talks to com.victronenergy.settings: it allocates the device
// instance (ClassAndVrmInstance), keeps /CustomName persisted, and follows
// both settings when a user changes them. While the settings service is
// absent it waits and says so in the log; it never gives up.

#include <string>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/optional.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/bus_port.hpp"
#include "messages/messages.hpp"

namespace ba {

struct settings_state {
  const char* name = "settings";
  bool present = false;
  bool added = false;
  caf::optional<int32_t> instance;
  std::string custom_name;
  uint64_t generation = 0;
  /// Known once spawned: sent as (`ready_atom`, publisher).
  caf::actor publisher;
  /// Receives `dvcc_state`.
  caf::actor aggregator;
  dvcc_state dvcc;
};

/// "battery:1024" -> 1024; nothing for anything else.
caf::optional<int32_t> parse_class_and_instance(const std::string& text);

/// Settings paths of an exported service with service-name suffix `suffix`
/// and settings key `device_key` (`BatteryAggregator` for the main one).
std::string instance_setting_path(const std::string& device_key);
std::string custom_name_setting_path(const std::string& suffix);

/// Sends `device_instance` and `custom_name` to the publisher and
/// `dvcc_state` to the aggregator, both given as (`ready_atom`, publisher,
/// aggregator); accepts `custom_name` from the publisher to persist a
/// client's write. Also handles com.victronenergy.system's comings and
/// goings (for /Control/Dvcc).
caf::behavior settings_actor(caf::stateful_actor<settings_state>* self,
                             std::string device_key, std::string suffix,
                             int32_t preferred_instance, bus_port* bus);

} // namespace ba
