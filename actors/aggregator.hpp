#pragma once

// The main bank actor: holds the latest values and state of every source
// it is given, classifies them (member, primary, auxiliary, excluded; by
// name and by /CustomName), keeps the roster (product.md 1.1), and calls
// compute_bank for the aggregate; the paths that changed go to the
// publisher (which rounds, diffs and sends only what changed on the bus).

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/rules/bank.hpp"
#include "actors/rules/roles.hpp"
#include "actors/rules/roster.hpp"
#include "actors/rules/source_table.hpp"
#include "messages/config.hpp"
#include "messages/messages.hpp"
#include "messages/value.hpp"

namespace ba {

struct aggregator_state {
  const char* name = "aggregator";
  /// The config in force (replaced on reload).
  config cfg;
  source_table sources;
  /// The source actor of each service (from its hello): told when its
  /// scan arrived, when it speaks while out, and when it last spoke.
  std::map<std::string, caf::actor> source_actors;
  /// Lines to log from the last intake (kept: no allocation per update).
  std::vector<std::string> warnings;
  std::map<std::string, source_class> classes;
  /// Every member seen since start or since /Redetect.
  std::set<std::string> roster;
  bool startup_done = false;
  bool all_lost = false;
  /// A recompute is queued (coalescing a burst of updates).
  bool dirty = false;
  bank_memory memory;
  /// The bank, recomputed in the parts an update touched (bank.hpp).
  bank_engine engine;
  /// The engine's input, rebuilt only when who counts may have changed
  /// (`inputs_dirty`): states, roles, removals, a reload.
  bank_input input;
  std::set<std::string> counting;
  bool inputs_dirty = true;
  /// How often the input was rebuilt (a value update must not).
  uint64_t input_rebuilds = 0;
  /// The roster paths (apply_roster), rebuilt when the roster, the counting
  /// set, the start-up wait or the members' own /Alarms/BmsCable changed.
  value_map roster_out;
  bool roster_dirty = true;
  /// Everything as published.
  value_map last_output;
  uint64_t updates = 0;
  dvcc_state dvcc;
  /// The virtual batteries, by their index in the config: their members'
  /// updates are forwarded to them instead of counting here.
  std::vector<caf::actor> virtuals;
  /// Told the handover whenever it changes (the supervisor; may be null).
  caf::actor owner;
  bank_handover reported;
  /// The counting set or the roster may have changed since the last report.
  bool membership_changed = true;
  /// After a restart: nothing is published until every source that
  /// counted before counts again or is known not to (see `settled`).
  bool holding = false;
  std::set<std::string> awaited;
  /// Released virtual batteries (they hold while their members are read).
  std::vector<bool> released;
  /// Discovery has announced every service on the bus: an awaited one
  /// that is not `present` is not coming back.
  bool listed = false;
  std::set<std::string> present;
  /// The hold limit passed: only the virtual batteries' first answers are
  /// still waited for.
  bool hold_expired = false;
  caf::actor_clock::time_point hold_started;
};

/// The longest a restarted bank keeps the last aggregate while an awaited
/// source does not answer (capped again by staleTimeout).
constexpr std::chrono::seconds max_hold{10};

/// Takes the aggregator's message set (messages.hpp): `source_values` (a
/// source's values, straight from the bus: its source actor is told
/// `source_scanned` and `source_spoke`), `source_hello` and `heard_query`
/// (from source actors), `member_update` (a virtual battery's output),
/// `member_state`, `member_removed`, `dvcc_state`, `redetect_atom`,
/// `virtual_banks`, `services_listed`, ...; routes the sources of virtual
/// batteries to them (a virtual battery's own output comes back here as a
/// source like any other); sends `publish_values` to `publisher`,
/// `bank_handover` to `owner` when it changes, `ready_atom` to a holding
/// virtual battery once its members are read; answers `summary_atom` with
/// `health_stats`.
///
/// `restarted`: the bank replaces one that stopped (a reload or a crash)
/// and `previous` is what that one reported. It then publishes nothing,
/// keeping the last aggregate on the bus, until every source of
/// `previous.counting` and every virtual battery counts again, reports a
/// state, is no longer a source under `cfg`, or is gone from the bus; an
/// awaited source that does not answer is given up after `max_hold` (or
/// staleTimeout when shorter). Then it switches in one step
/// (issue 12: a reload never publishes a partial bank).
caf::behavior aggregator_actor(caf::stateful_actor<aggregator_state>* self,
                               config cfg, caf::actor publisher,
                               caf::actor owner, bool restarted,
                               bank_handover previous);

} // namespace ba
