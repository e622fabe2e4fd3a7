#pragma once

// The sources a bank holds (the main aggregator and every virtual battery):
// their latest values and states, and the grace time of product.md 1.1 (a
// stale or lost source keeps counting with its last values for
// reconnectTimeout). The owning actor arms the grace timers this table asks
// for; everything else is plain bookkeeping, reachable by unit tests.

#include <map>
#include <string>

#include <caf/actor_clock.hpp>
#include <caf/optional.hpp>

#include "actors/bank.hpp"
#include "messages/messages.hpp"

namespace ba {

struct tracked_source {
  bank_source src;
  /// No state reported yet: the source is still being scanned.
  bool has_status = false;
  member_status status = member_status::stale;
  /// Stale or lost for longer than reconnectTimeout: no longer counts.
  bool expired = false;
  uint64_t grace_generation = 0;
};

/// A tracked source counts while online, and while stale or lost inside
/// its grace time.
bool counts(const tracked_source& t);

class source_table {
 public:
  using map_type = std::map<std::string, tracked_source>;

  /// Stores the values of an update (a snapshot replaces them all).
  tracked_source& update(const member_update& u,
                         caf::actor_clock::time_point now);

  /// Applies a state. Returns the generation of a grace timer to arm (for
  /// a stale or lost source when `grace_enabled`), or nothing. A lost
  /// source without grace is forgotten at once.
  caf::optional<uint64_t> set_state(const member_state& ms, bool grace_enabled);

  /// A grace timer fired: true when it was current (the source no longer
  /// counts; a lost one is forgotten).
  bool expire(const std::string& service, uint64_t generation);

  bool remove(const std::string& service);

  map_type& all() {
    return sources_;
  }
  const map_type& all() const {
    return sources_;
  }

 private:
  map_type sources_;
};

} // namespace ba
