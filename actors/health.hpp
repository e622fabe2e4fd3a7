#pragma once

// health writes one summary line per interval (a minute) about the interval
// just ended: at the tick it asks the aggregator and the publisher for their
// counters and logs when both have answered, or after a short timeout naming
// who did not (a line that reported the previous minute's answers, or zeros
// after the start, said nothing was happening while the bank was live).

#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "messages/messages.hpp"

namespace ba {

/// What one summary line says.
struct health_summary {
  int32_t members_online = 0;
  int32_t members_total = 0;
  /// Updates received and signals published in the interval.
  uint64_t updates = 0;
  uint64_t signals = 0;
  /// Actor restarts since the process started.
  uint64_t restarts = 0;
  std::vector<std::string> quiet;
  /// Actors that did not answer in time (their numbers are left out).
  std::vector<std::string> silent;
};

/// "3/3 members online, 120 updates received and 40 signals published in
/// the last 60 s, 0 actor restarts" + "; quiet: X (40 s)" + "; no answer
/// from: publisher". Pure.
std::string summary_line(const health_summary& s, int64_t interval_s);

/// Growth of a counter since the last summary; a counter that went down
/// (its actor restarted) counts from 0.
uint64_t counter_delta(uint64_t now, uint64_t before);

struct health_state {
  const char* name = "health";
  /// Cumulative counters at the last summary.
  uint64_t updates_before = 0;
  uint64_t signals_before = 0;
  /// The round under way: answers still expected, and what arrived.
  uint64_t round = 0;
  int pending = 0;
  bool bank_answered = false;
  bool publisher_answered = false;
  health_stats bank;
  uint64_t signals = 0;
  /// Whom to ask, and the restarts so far: replaced after each restart (the
  /// health actor itself outlives them).
  caf::actor aggregator;
  caf::actor publisher;
  uint64_t restarts = 0;
};

/// `restarts`: actor restarts so far. Health outlives the restarts of the
/// others: after each, `health_targets` names the new ones. A restarted actor's
/// memory is held until its pending delayed messages are due (CAF 0.17), and
/// health's is a minute: respawning it with the others pinned a minute of
/// restarts in memory.
caf::behavior health_actor(caf::stateful_actor<health_state>* self,
                           caf::actor aggregator, caf::actor publisher,
                           caf::timespan interval, uint64_t restarts);

} // namespace ba
