#pragma once

// The main bank actor: holds the latest values of every source it is given,
// classifies them (member, primary, auxiliary, excluded; by name and by
// /CustomName), and calls compute_bank for the aggregate, which goes to the
// publisher as a whole (the publisher rounds, diffs and sends only what
// changed).

#include <map>
#include <set>
#include <string>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/bank.hpp"
#include "actors/roles.hpp"
#include "messages/config.hpp"
#include "messages/messages.hpp"
#include "messages/value.hpp"

namespace ba {

struct aggregator_state {
  const char* name = "aggregator";
  std::map<std::string, bank_source> sources;
  std::map<std::string, source_class> classes;
  bank_memory memory;
  value_map last_output;
  uint64_t updates = 0;
  dvcc_state dvcc;
};

/// A member counts while its /Connected is not 0 (invalid or absent counts
/// as connected: many drivers never publish it).
bool member_online(const value_map& values);

/// The /CustomName of a source, or "".
std::string custom_name_of(const value_map& values);

/// Handles `member_update`, `member_removed`, `dvcc_state`; sends
/// `publish_values` to `publisher`; answers `summary_atom` with
/// `health_stats`.
caf::behavior aggregator_actor(caf::stateful_actor<aggregator_state>* self,
                               config cfg, caf::actor publisher);

} // namespace ba
