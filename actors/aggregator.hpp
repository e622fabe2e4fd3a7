#pragma once

// The main bank: holds the latest values of every member and calls the pure
// rules to compute the aggregate, which goes to the publisher as a whole
// (the publisher rounds, diffs and sends only what changed).

#include <map>
#include <string>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "messages/config.hpp"
#include "messages/value.hpp"

namespace ba {

struct aggregator_state {
  const char* name = "aggregator";
  std::map<std::string, value_map> members;
  value_map last_output;
  uint64_t updates = 0;
};

/// The measurement paths of the bank computed from `members` (product.md
/// 2.1) plus the roster paths. Pure: the aggregator's whole arithmetic.
value_map compute_bank(const std::map<std::string, value_map>& members,
                       const config& cfg);

/// A member counts while its /Connected is not 0 (invalid or absent counts
/// as connected: many drivers never publish it).
bool member_online(const value_map& values);

/// Handles `member_update`, `member_removed`; sends `publish_values` to
/// `publisher`; answers `summary_atom` with `health_stats`.
caf::behavior aggregator_actor(caf::stateful_actor<aggregator_state>* self,
                               config cfg, caf::actor publisher);

} // namespace ba
