#pragma once

// The main bank actor: holds the latest values and state of every source
// it is given, classifies them (member, primary, auxiliary, excluded; by
// name and by /CustomName), keeps the roster (product.md 1.1), and calls
// compute_bank for the aggregate, which goes to the publisher as a whole
// (the publisher rounds, diffs and sends only what changed).

#include <map>
#include <set>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/bank.hpp"
#include "actors/roles.hpp"
#include "actors/source_table.hpp"
#include "messages/config.hpp"
#include "messages/messages.hpp"
#include "messages/value.hpp"

namespace ba {

struct aggregator_state {
  const char* name = "aggregator";
  /// The config in force (replaced on reload).
  config cfg;
  source_table sources;
  std::map<std::string, source_class> classes;
  /// Every member seen since start or since /Redetect.
  std::set<std::string> roster;
  bool startup_done = false;
  bool all_lost = false;
  /// A recompute is queued (coalescing a burst of updates).
  bool dirty = false;
  bank_memory memory;
  value_map last_output;
  uint64_t updates = 0;
  dvcc_state dvcc;
  /// The virtual batteries, by their index in the config: their members'
  /// updates are forwarded to them instead of counting here.
  std::vector<caf::actor> virtuals;
};

/// The /CustomName of a source, or "".
std::string custom_name_of(const value_map& values);

/// The roster paths (product.md 1.1): NrOfBatteriesKnown, MissingBatteries,
/// and /Alarms/BmsCable raised to 1 while a roster member is missing and to
/// 2 when none counts (or none was seen after the start-up wait). Pure.
void apply_roster(const std::set<std::string>& roster,
                  const std::set<std::string>& counting, bool startup_done,
                  value_map& out);

/// Handles `member_update`, `member_state`, `member_removed`, `dvcc_state`,
/// `redetect_atom`, (`update_atom`, virtual battery actors); routes the
/// sources of virtual batteries to them (a virtual battery's own output
/// comes back here as a source like any other); sends `publish_values` to
/// `publisher`; answers `summary_atom` with `health_stats`.
caf::behavior aggregator_actor(caf::stateful_actor<aggregator_state>* self,
                               config cfg, caf::actor publisher);

} // namespace ba
