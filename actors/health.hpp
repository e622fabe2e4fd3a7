#pragma once

// health writes one summary line per minute (members online/total, updates
// received, signals published), asking the aggregator and the publisher for
// their counters.

#include <vector>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "messages/messages.hpp"

namespace ba {

struct health_state {
  const char* name = "health";
  health_stats bank;
  uint64_t signals = 0;
};

/// "health: 3/3 members online, 120 updates, 40 signals"
std::string summary_line(const health_stats& bank, uint64_t signals);

caf::behavior health_actor(caf::stateful_actor<health_state>* self,
                           caf::actor aggregator, caf::actor publisher,
                           caf::timespan interval);

} // namespace ba
