#pragma once

// The sources a bank holds (the main aggregator and every virtual battery):
// their latest values and states, and the grace time of product.md 1.1 (a
// stale or lost source keeps counting with its last values for
// reconnectTimeout). The owning actor arms the grace timers this table asks
// for; everything else is plain bookkeeping, reachable by unit tests.
//
// The main bank also takes its sources' values straight from the bus (issue
// 13: one hand-off per input): `take_scan` and `take_changes` check them
// (product.md 5), bound what one source may make us keep (issue 12), keep
// only what changed, and say when a source's own values take it out.

#include <map>
#include <string>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/optional.hpp>

#include "actors/rules/bank.hpp"
#include "logging/log_cap.hpp"
#include "messages/messages.hpp"

namespace ba {

/// What one source may make the service keep (issue 12): every path of the
/// Venus battery vocabulary, at most `max_other_paths` others (pass-through
/// paths such as /Info/Location), none longer than `max_path_bytes`.
constexpr size_t max_other_paths = 64;
constexpr size_t max_path_bytes = 256;

/// Whether a source holding `other_paths` paths outside the path table may
/// keep `path`. Pure.
bool path_kept(const std::string& path, size_t other_paths, bool known);

/// Why a source's own values take it out, if they do.
offline_cause offline_reason(const value_map& values);

struct tracked_source {
  bank_source src;
  /// Values from the bus are taken (the complete scan arrived and its
  /// values do not take it out, and it has not gone stale or lost since).
  bool taking = false;
  /// The latest /Connected and /Alarms/BmsCable, taken or not: while a
  /// source is out, whether it still says so.
  value_map status_values;
  /// When its last signal arrived (taken or not).
  caf::actor_clock::time_point last_signal;
  /// Paths logged as bad input (one line per path, bounded).
  log_cap bad_logged;
  /// Paths outside the path table held (bounded), and whether a path was
  /// dropped for a bound (logged once).
  size_t other_paths = 0;
  bool dropped_logged = false;
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

  /// Replaces the values of `service` (a complete scan, checked).
  tracked_source& replace(const std::string& service, value_map values,
                          caf::actor_clock::time_point now);

  /// Applies a state. Returns the generation of a grace timer to arm (for
  /// a stale or lost source when `grace_enabled`), or nothing. A lost
  /// source without grace is forgotten at once.
  caf::optional<uint64_t> set_state(const member_state& ms, bool grace_enabled);

  /// A grace timer fired: true when it was current (the source no longer
  /// counts; a lost one is forgotten).
  bool expire(const std::string& service, uint64_t generation);

  bool remove(const std::string& service);

  /// The complete scan of `service` from the bus: its values checked and
  /// bounded (the entry is created when new). Returns them without storing
  /// them (the caller stores them with `update`, after comparing); lines to
  /// log go to `warnings`.
  value_map take_scan(const std::string& service, const value_map& raw,
                      caf::actor_clock::time_point now,
                      std::vector<std::string>& warnings);

  /// Changed values of a source from the bus. Notes the signal's time and
  /// the status paths; when the source's values are taken, stores the
  /// checked values that differ in its values and index and puts them in
  /// `changed`. Returns the source (nullptr before its first scan: that
  /// scan brings every value).
  tracked_source* take_changes(const std::string& service, const value_map& raw,
                               caf::actor_clock::time_point now,
                               value_map& changed,
                               std::vector<std::string>& warnings);

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
