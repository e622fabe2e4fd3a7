#pragma once

// source:<service> follows one upstream battery service: it asks for the
// complete scan first (again after it was out), and keeps its state
// (product.md 1.1): online; stale when it reports itself offline
// (/Connected 0, /Alarms/BmsCable 2) or falls silent for staleTimeout and
// does not answer a liveness probe. A source coming back is re-read
// completely before it counts again. Its values themselves go from the bus
// straight to the bank (issue 13: one hand-off per input), which tells this
// actor what the state depends on.

#include <chrono>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "messages/bus_port.hpp"
#include "messages/messages.hpp"

namespace ba {

struct source_timing {
  /// No value signal for this long: probe.
  caf::timespan stale_timeout = std::chrono::seconds(60);
  /// While stale (or quiet): probe again this often.
  caf::timespan retry = std::chrono::seconds(5);
};

struct source_state {
  std::string name;
  std::string service;
  /// The complete scan arrived (the first, or the one after coming back).
  bool scanned = false;
  bool scanning = false;
  member_status status = member_status::stale;
  /// Why it is stale: its values take it out (`offline`), or it went
  /// silent (no answer to a probe and no signal); neither while online.
  offline_cause offline = offline_cause::none;
  bool silent = false;
  caf::actor_clock::time_point last_signal;
  bool probing = false;
  /// When the last probe went out, and whether an unanswered one waits for
  /// the consumer to say if a signal came meanwhile.
  caf::actor_clock::time_point probe_sent;
  bool judging = false;
  uint64_t timer_generation = 0;
  bus_port* bus = nullptr;
  caf::actor_addr self_addr;

  ~source_state();
};

/// Its values go from the bus straight to `consumer` (the bank), which
/// checks and keeps them (source_table) and tells this actor what its state
/// depends on: `source_scanned`, `source_spoke`, and `heard_answer` when
/// asked when the last signal came. Handles those, `scan_failed` and
/// `probe_result` (from the bus), `lost_atom` (from discovery: the name
/// left). Sends `source_hello` once, then `member_state`, and `heard_query`
/// questions, to `consumer`.
caf::behavior source_actor(caf::stateful_actor<source_state>* self,
                           std::string service, caf::actor consumer,
                           bus_port* bus, source_timing timing);

} // namespace ba
