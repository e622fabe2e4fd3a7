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

#include "actors/bus_port.hpp"
#include "messages/config.hpp"

namespace ba {

enum class source_role : uint8_t { member, excluded, own, other };

/// The role of a service name under `cfg`: exact matching only (excluding
/// ttyUSB1 must not exclude ttyUSB10).
source_role role_of(const std::string& service, const config& cfg,
                    const std::set<std::string>& own_services);

struct discovery_state {
  const char* name = "discovery";
  std::map<std::string, caf::actor> sources;
  std::set<std::string> present;

  ~discovery_state();
};

caf::behavior discovery_actor(caf::stateful_actor<discovery_state>* self,
                              config cfg, std::set<std::string> own_services,
                              caf::actor aggregator, caf::actor settings,
                              bus_port* bus);

} // namespace ba
