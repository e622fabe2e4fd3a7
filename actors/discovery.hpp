#pragma once

// discovery turns names on the bus into source actors: it applies the roles
// (member or excluded; never one of our own services), supervises the
// sources (a crashed one is restarted while its service is still there), and
// forwards the settings service's comings and goings to the settings actor.

#include <map>
#include <set>
#include <string>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/rules/roles.hpp"
#include "messages/bus_port.hpp"
#include "messages/config.hpp"

namespace ba {

struct discovery_state {
  const char* name = "discovery";
  /// The config in force (replaced on reload).
  config cfg;
  std::map<std::string, caf::actor> sources;
  /// Every battery service on the bus that is not ours, whatever its role.
  std::set<std::string> present;

  ~discovery_state();
};

caf::behavior discovery_actor(caf::stateful_actor<discovery_state>* self,
                              config cfg, std::set<std::string> own_services,
                              caf::actor aggregator, caf::actor settings,
                              bus_port* bus);

} // namespace ba
