#pragma once

// virtual:<service> is one virtual battery (product.md section 3): it holds
// its member sources (routed to it by the main aggregator), computes its
// output by its kind (merge, parallel, series) and its hooks, sends that to
// its own publisher, and hands it back to the main aggregator as a source
// of its own — which makes it a member of the main bank, or of another
// virtual battery when nested.

#include <set>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/rules/bank.hpp"
#include "actors/rules/source_table.hpp"
#include "actors/rules/virtual_bank.hpp"
#include "messages/config.hpp"
#include "messages/messages.hpp"

namespace ba {

struct virtual_state {
  std::string name;
  source_table sources;
  bank_memory memory;
  /// The parallel kind's bank, recomputed in the parts an update touched.
  bank_engine engine;
  value_map last_output;
  /// Every member service that counted since this battery started: one
  /// that no longer counts is missing (/Alarms/ParallelBmsLost).
  std::set<std::string> roster;
  bool reported = false;
  bool online = false;
  bool dirty = false;
  /// Restarted: nothing computed until the router's `ready_atom`.
  bool holding = false;
};

/// `router` (the main aggregator) receives this battery's output as
/// `member_update` / `member_state` under its service name. With `hold`
/// (a restart) it computes nothing until the router sends `ready_atom`,
/// once the members that counted before are read again: a restarted
/// virtual battery never publishes a partial bank.
caf::behavior virtual_battery_actor(caf::stateful_actor<virtual_state>* self,
                                    config cfg, size_t index,
                                    caf::actor publisher, caf::actor router,
                                    bool hold);

} // namespace ba
