#pragma once

// source:<service> mirrors one upstream battery service: the complete scan
// first, then the changes from ItemsChanged/PropertiesChanged, and its state
// (product.md 1.1): online; stale when it reports itself offline
// (/Connected 0, /Alarms/BmsCable 2) or falls silent for staleTimeout and
// does not answer a liveness probe. A source coming back is re-read
// completely before it counts again.

#include <chrono>
#include <set>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/bus_port.hpp"
#include "messages/log_cap.hpp"
#include "messages/messages.hpp"
#include "messages/value.hpp"

namespace ba {

/// What one source may make the service keep (issue 12): every path of the
/// Venus battery vocabulary, at most `max_other_paths` others (pass-through
/// paths such as /Info/Location), none longer than `max_path_bytes`.
constexpr size_t max_other_paths = 64;
constexpr size_t max_path_bytes = 256;

/// Whether a source holding `other_paths` paths outside the path table may
/// keep `path`. Pure.
bool path_kept(const std::string& path, size_t other_paths, bool known);

struct source_timing {
  /// No value signal for this long: probe.
  caf::timespan stale_timeout = std::chrono::seconds(60);
  /// While stale (or quiet): probe again this often.
  caf::timespan retry = std::chrono::seconds(5);
};

struct source_state {
  std::string name;
  std::string service;
  value_map values;
  /// The complete scan arrived (the first, or the one after coming back).
  bool scanned = false;
  bool scanning = false;
  member_status status = member_status::stale;
  /// Why it is stale; empty while online.
  std::string stale_reason;
  caf::actor_clock::time_point last_signal;
  bool probing = false;
  uint64_t timer_generation = 0;
  /// Paths logged as bad input (one line per path, bounded).
  log_cap bad_logged;
  /// Paths outside the path table held in `values` (bounded), and paths
  /// dropped for a bound (logged once).
  size_t other_paths = 0;
  bool dropped_logged = false;
  bus_port* bus = nullptr;
  caf::actor_addr self_addr;

  ~source_state();
};

/// Why a source's own values take it out: /Connected 0 or
/// /Alarms/BmsCable 2; empty when they do not.
std::string offline_reason(const value_map& values);

/// Handles `source_values` and `scan_failed` (from the bus), `probe_result`,
/// `lost_atom` (from discovery: the name left). Sends `member_update` and
/// `member_state` to `consumer`.
caf::behavior source_actor(caf::stateful_actor<source_state>* self,
                           std::string service, caf::actor consumer,
                           bus_port* bus, source_timing timing);

} // namespace ba
