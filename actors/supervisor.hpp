#pragma once

// The supervisor owns the top-level actors (settings, publisher,
// aggregator, discovery, health). When one of them dies of an error it logs
// the crash and restarts all of them together: they hold each other's
// handles, and a fresh set re-reads every source in milliseconds. The
// exported service stays on the bus throughout (the bus side keeps it, and
// the new publisher takes it over).

#include <chrono>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "messages/bus_port.hpp"
#include "messages/config.hpp"
#include "messages/messages.hpp"

namespace ba {

struct supervisor_state {
  const char* name = "supervisor";
  caf::actor settings;
  caf::actor publisher;
  caf::actor aggregator;
  caf::actor discovery;
  caf::actor health;
  /// Per virtual battery (config order): its actor and its publisher.
  std::vector<caf::actor> virtuals;
  std::vector<caf::actor> virtual_publishers;
  uint64_t restarts = 0;
  /// The config in force (replaced on reload).
  config cfg;
  /// The bank's last report: what a restarted bank waits for.
  bank_handover handover;

  ~supervisor_state();
};

/// In test builds, `crash_atom` ends the aggregator as a crash would; a
/// `config_ptr` (SIGHUP reload) is applied in place, or, for a new
/// serviceName, by withdrawing the old service and restarting the actors.
/// `health_interval`: how often the health summary is written (a minute;
/// tests shorten it).
caf::behavior supervisor_actor(caf::stateful_actor<supervisor_state>* self,
                               config cfg, bus_port* bus,
                               caf::timespan health_interval
                               = std::chrono::minutes(1));

} // namespace ba
