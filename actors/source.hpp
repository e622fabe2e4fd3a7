#pragma once

// source:<service> mirrors one upstream battery service: the complete scan
// first, then the changes from ItemsChanged/PropertiesChanged. It sends its
// consumer a snapshot once the scan is in and only the changed paths after.

#include <string>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/bus_port.hpp"
#include "messages/value.hpp"

namespace ba {

struct source_state {
  std::string name;
  std::string service;
  value_map values;
  /// True once the complete scan arrived: before that, values are partial
  /// and must not count.
  bool usable = false;
  bus_port* bus = nullptr;
  caf::actor_addr self_addr;

  ~source_state();
};

/// Handles `source_values` and `scan_failed` (from the bus), `lost_atom`
/// (from discovery: the name left). Sends `member_update` and
/// `member_removed` to `consumer`.
caf::behavior source_actor(caf::stateful_actor<source_state>* self,
                           std::string service, caf::actor consumer,
                           bus_port* bus);

} // namespace ba
