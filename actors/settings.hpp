#pragma once

// settings talks to com.victronenergy.settings for every service this
// process publishes: it allocates each one's device instance
// (ClassAndVrmInstance), keeps its /CustomName persisted, and follows both
// settings when a user changes them. It also follows the DVCC user limits
// and com.victronenergy.system /Control/Dvcc for the aggregator. While the
// settings service is absent it waits and says so in the log.

#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/optional.hpp>
#include <caf/stateful_actor.hpp>

#include "messages/bus_port.hpp"
#include "messages/messages.hpp"

namespace ba {

/// One exported service's settings.
struct device_entry {
  std::string service;
  std::string instance_path;
  std::string name_path;
  int32_t preferred = 0;
  caf::actor publisher;
  caf::optional<int32_t> instance;
  std::string custom_name;
  bool added = false;
  /// A name written by a client and not yet seen back from the settings
  /// service: an older value read meanwhile must not undo the write.
  caf::optional<std::string> writing;
  uint64_t writing_generation = 0;
};

struct settings_state {
  const char* name = "settings";
  bool present = false;
  uint64_t generation = 0;
  std::vector<device_entry> devices;
  /// Receives `dvcc_state`.
  caf::actor aggregator;
  dvcc_state dvcc;
};

/// "battery:1024" -> 1024; nothing for anything else.
caf::optional<int32_t> parse_class_and_instance(const std::string& text);

/// Takes the settings message set (messages.hpp): `device_wanted` (a
/// service to allocate an instance for; its publisher then receives
/// `device_instance` and `custom_name`), `dvcc_listener` (receives
/// `dvcc_state`), `custom_name_written` (persist it), and from the bus
/// `service_appeared` / `service_vanished` of settings and systemcalc, their
/// values and the AddSettings results.
caf::behavior settings_actor(caf::stateful_actor<settings_state>* self,
                             bus_port* bus);

} // namespace ba
