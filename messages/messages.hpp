#pragma once

// The messages between the D-Bus thread and the actors and between actors:
// every message is a named struct or a lone atom declared here (no
// positional tuples, no atom declared elsewhere), so a handler's signature
// says what it takes.
//
// Each actor's message set is a type in messages/protocols.hpp, which the
// compiler holds its handlers to. docs/architecture.md draws who sends them.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/timestamp.hpp>

#include "messages/config.hpp"
#include "messages/value.hpp"

namespace ba {

// -- atoms --------------------------------------------------------------------

using flush_atom = caf::atom_constant<caf::atom("flush")>;
using lost_atom = caf::atom_constant<caf::atom("lost")>;
using ready_atom = caf::atom_constant<caf::atom("ready")>;
using startup_atom = caf::atom_constant<caf::atom("startup")>;
using summary_atom = caf::atom_constant<caf::atom("summary")>;
/// Test builds only (BA_TEST_HOOKS): main -> supervisor, end the bank as a
/// crash would.
using crash_atom = caf::atom_constant<caf::atom("crash")>;
using redetect_atom = caf::atom_constant<caf::atom("redetect")>;
using recompute_atom = caf::atom_constant<caf::atom("recompute")>;
/// Watcher -> discovery: every name already on the bus has been announced
/// (after a rebind); discovery tells the aggregator `services_listed`.
using listed_atom = caf::atom_constant<caf::atom("listed")>;
/// Aggregator -> itself: the hold after a restart has lasted long enough.
using hold_atom = caf::atom_constant<caf::atom("hold")>;
/// Source -> itself: read the service again (after a failed scan).
using rescan_atom = caf::atom_constant<caf::atom("rescan")>;

// -- D-Bus thread -> actors
// ----------------------------------------------------

/// A `com.victronenergy.*` name got an owner (initial ListNames or
/// NameOwnerChanged).
struct service_appeared {
  std::string service;
  std::string owner;
};

/// A watched name lost its owner.
struct service_vanished {
  std::string service;
};

/// Values of a watched service: a complete scan (`complete`) replaces what
/// the receiver knew; otherwise only the listed paths changed. A battery
/// source's values go straight to its consumer (the bank), not through the
/// source actor (issue 13: one hand-off per input).
struct source_values {
  std::string service;
  value_map values;
  bool complete = false;
};

/// The scan of a service failed entirely (all fallbacks exhausted).
struct scan_failed {
  std::string service;
  std::string reason;
};

/// A client wrote one of our writable paths; already validated and applied
/// to the bus cache by the exporter.
struct path_written {
  std::string service;
  std::string path;
  value val;
};

/// Result of one entry of an AddSettings call.
struct setting_result {
  std::string path;
  int32_t error = 0;
  value current;
};

struct settings_added {
  std::vector<setting_result> results;
};

/// The exported service owns its name (again) on the bus.
struct service_registered {
  std::string service;
  int32_t device_instance = 0;
};

// -- between actors -----------------------------------------------------------

/// A source's values for its consumers: a full snapshot when it (re)becomes
/// usable, then only changed paths.
struct member_update {
  std::string service;
  value_map values;
  bool snapshot = false;
};

/// Why a source's own values take it out (product.md 1.1): it says it is
/// not connected (/Connected 0) or its BMS is lost (/Alarms/BmsCable 2).
enum class offline_cause : uint8_t { none, disconnected, cable_lost };

/// "/Connected 0", "/Alarms/BmsCable 2", "" for none: the log's words.
std::string to_string(offline_cause c);

/// Consumer -> source: its complete scan arrived and was taken; `offline`
/// is why its own values take it out.
struct source_scanned {
  std::string service;
  int32_t paths = 0;
  offline_cause offline = offline_cause::none;
};

/// Consumer -> source: a signal arrived while the source's values are not
/// taken (it is not online), or its values now take it out; `offline` as
/// in source_scanned.
struct source_spoke {
  std::string service;
  offline_cause offline = offline_cause::none;
};

/// A source is gone for good (its actor ended without its name leaving:
/// a crash). Treated like `lost`.
struct member_removed {
  std::string service;
};

/// product.md 1.1.
enum class member_status : uint8_t { online, stale, lost };

const char* to_string(member_status s);

/// A source's state changed; `reason` says why, for the log and the
/// explanation.
struct member_state {
  std::string service;
  member_status status = member_status::online;
  std::string reason;
};

/// Answer to a liveness probe (GetValue /Connected, 2 s timeout).
struct probe_result {
  std::string service;
  bool ok = false;
  /// The /Connected it answered (invalid when it has none).
  value connected;
};

/// A bank's computed output: the paths that changed (the aggregator) or all
/// of them (a virtual battery); the publisher keeps the last value of every
/// path, rounds, diffs and sends.
struct publish_values {
  value_map values;
};

/// Settings -> publisher.
struct device_instance {
  int32_t instance = 0;
};

struct custom_name {
  std::string name;
};

/// DVCC as systemcalc and the settings say (product.md 2.3, 2.4): `on` when
/// com.victronenergy.system /Control/Dvcc is 1; the user limits -1 / 0 when
/// none is set.
struct dvcc_state {
  bool on = false;
  double max_charge_current = -1;
  double max_charge_voltage = 0;
};

/// What a bank knew that its successor needs after a restart (a reload
/// that restarts the actors, or a crash): the sources that counted (members,
/// primaries, auxiliaries, virtual battery members) and the roster, both
/// sorted. The aggregator sends it to the supervisor when it changes.
struct bank_handover {
  std::vector<std::string> counting;
  std::vector<std::string> roster;
};

// -- between a source and its consumer (a bank)
// --------------------------------

/// Source -> its consumer, once at start: the consumer answers the source at
/// this handle (source_scanned, source_spoke, heard_answer).
struct source_hello {
  std::string service;
};

/// Source -> consumer: when did the last signal of `service` arrive?
struct heard_query {
  std::string service;
  uint64_t generation = 0;
};

/// Consumer -> source: the answer to heard_query, as the time since the
/// clock's epoch (0 for never).
struct heard_answer {
  caf::timespan since{0};
  uint64_t generation = 0;
};

/// Source -> itself: time to judge whether it has been quiet too long.
struct check_due {
  uint64_t generation = 0;
};

/// Bank -> itself: a member's reconnect grace is over (if `generation` is
/// still its latest).
struct grace_over {
  std::string service;
  uint64_t generation = 0;
};

// -- from the supervisor and discovery
// -----------------------------------------

/// Discovery -> aggregator: every name on the bus has been announced (after
/// a rebind); `present` are the battery services there now.
struct services_listed {
  std::vector<std::string> present;
};

/// Supervisor -> aggregator: the virtual batteries' actors, after each
/// (re)start of either.
struct virtual_banks {
  std::vector<caf::actor> actors;
};

/// Supervisor -> publisher: the bank that /Redetect resets.
struct publisher_bank {
  caf::actor bank;
};

/// Supervisor -> health: the actors to ask after a restart (their counters
/// start again from 0), and how many restarts there were.
struct health_targets {
  caf::actor aggregator;
  caf::actor publisher;
  uint64_t restarts = 0;
};

// -- to the settings actor
// -----------------------------------------------------

/// Supervisor -> settings: an exported service needs its device instance
/// and custom name; `device_key` is its settings key (`BatteryAggregator`,
/// `BatteryAggregator_<suffix>`), `suffix` its service-name suffix. The
/// publisher then receives `device_instance` and `custom_name`.
struct device_wanted {
  std::string service;
  std::string device_key;
  std::string suffix;
  int32_t preferred_instance = 0;
  caf::actor publisher;
};

/// Supervisor -> settings: send `dvcc_state` to this aggregator, now and on
/// every change.
struct dvcc_listener {
  caf::actor aggregator;
};

/// Publisher -> settings: a client wrote /CustomName of `service`; persist
/// it.
struct custom_name_written {
  std::string service;
  std::string name;
};

/// Settings -> itself: the persisted name of `service` never came back.
struct name_write_timeout {
  std::string service;
  uint64_t generation = 0;
};

/// Settings -> itself: try AddSettings again; say again that it waits.
struct add_retry_due {
  uint64_t generation = 0;
};
struct waiting_due {
  uint64_t generation = 0;
};

/// Counters for the health summary.
struct health_stats {
  std::string component;
  int32_t members_online = 0;
  int32_t members_total = 0;
  uint64_t updates = 0;
  uint64_t signals = 0;
  /// Counting sources silent for more than half their stale timeout, as
  /// "<service> (<age> s)".
  std::vector<std::string> quiet;
};

// -- inspect (CAF 0.17 signature) and equality (test DSL) ---------------------

#define BA_INSPECT_AND_COMPARE(type, ...)                                      \
  template <class Inspector>                                                   \
  typename Inspector::result_type inspect(Inspector& f, type& x) {             \
    return f(caf::meta::type_name(#type), __VA_ARGS__);                        \
  }

BA_INSPECT_AND_COMPARE(service_appeared, x.service, x.owner)
BA_INSPECT_AND_COMPARE(service_vanished, x.service)
BA_INSPECT_AND_COMPARE(source_values, x.service, x.values, x.complete)
BA_INSPECT_AND_COMPARE(scan_failed, x.service, x.reason)
BA_INSPECT_AND_COMPARE(path_written, x.service, x.path, x.val)
BA_INSPECT_AND_COMPARE(setting_result, x.path, x.error, x.current)
BA_INSPECT_AND_COMPARE(settings_added, x.results)
BA_INSPECT_AND_COMPARE(service_registered, x.service, x.device_instance)
BA_INSPECT_AND_COMPARE(member_update, x.service, x.values, x.snapshot)
BA_INSPECT_AND_COMPARE(member_removed, x.service)
BA_INSPECT_AND_COMPARE(source_scanned, x.service, x.paths, x.offline)
BA_INSPECT_AND_COMPARE(source_spoke, x.service, x.offline)
BA_INSPECT_AND_COMPARE(member_state, x.service, x.status, x.reason)
BA_INSPECT_AND_COMPARE(probe_result, x.service, x.ok, x.connected)
BA_INSPECT_AND_COMPARE(publish_values, x.values)
BA_INSPECT_AND_COMPARE(device_instance, x.instance)
BA_INSPECT_AND_COMPARE(custom_name, x.name)
BA_INSPECT_AND_COMPARE(dvcc_state, x.on, x.max_charge_current,
                       x.max_charge_voltage)
BA_INSPECT_AND_COMPARE(bank_handover, x.counting, x.roster)
BA_INSPECT_AND_COMPARE(health_stats, x.component, x.members_online,
                       x.members_total, x.updates, x.signals, x.quiet)

BA_INSPECT_AND_COMPARE(source_hello, x.service)
BA_INSPECT_AND_COMPARE(heard_query, x.service, x.generation)
BA_INSPECT_AND_COMPARE(heard_answer, x.since, x.generation)
BA_INSPECT_AND_COMPARE(check_due, x.generation)
BA_INSPECT_AND_COMPARE(grace_over, x.service, x.generation)
BA_INSPECT_AND_COMPARE(services_listed, x.present)
BA_INSPECT_AND_COMPARE(virtual_banks, x.actors)
BA_INSPECT_AND_COMPARE(publisher_bank, x.bank)
BA_INSPECT_AND_COMPARE(health_targets, x.aggregator, x.publisher, x.restarts)
BA_INSPECT_AND_COMPARE(device_wanted, x.service, x.device_key, x.suffix,
                       x.preferred_instance, x.publisher)
BA_INSPECT_AND_COMPARE(dvcc_listener, x.aggregator)
BA_INSPECT_AND_COMPARE(custom_name_written, x.service, x.name)
BA_INSPECT_AND_COMPARE(name_write_timeout, x.service, x.generation)
BA_INSPECT_AND_COMPARE(add_retry_due, x.generation)
BA_INSPECT_AND_COMPARE(waiting_due, x.generation)

#undef BA_INSPECT_AND_COMPARE

bool operator==(const service_appeared& x, const service_appeared& y);
bool operator==(const service_vanished& x, const service_vanished& y);
bool operator==(const source_values& x, const source_values& y);
bool operator==(const scan_failed& x, const scan_failed& y);
bool operator==(const member_update& x, const member_update& y);
bool operator==(const member_removed& x, const member_removed& y);
bool operator==(const source_scanned& x, const source_scanned& y);
bool operator==(const source_spoke& x, const source_spoke& y);
bool operator==(const member_state& x, const member_state& y);
bool operator==(const probe_result& x, const probe_result& y);
bool operator==(const publish_values& x, const publish_values& y);
bool operator==(const device_instance& x, const device_instance& y);
bool operator==(const path_written& x, const path_written& y);
bool operator==(const custom_name& x, const custom_name& y);
bool operator==(const dvcc_state& x, const dvcc_state& y);
bool operator==(const bank_handover& x, const bank_handover& y);
bool operator==(const setting_result& x, const setting_result& y);
bool operator==(const settings_added& x, const settings_added& y);
bool operator==(const service_registered& x, const service_registered& y);
bool operator==(const health_stats& x, const health_stats& y);
bool operator==(const source_hello& x, const source_hello& y);
bool operator==(const heard_query& x, const heard_query& y);
bool operator==(const heard_answer& x, const heard_answer& y);
bool operator==(const check_due& x, const check_due& y);
bool operator==(const grace_over& x, const grace_over& y);
bool operator==(const services_listed& x, const services_listed& y);
bool operator==(const virtual_banks& x, const virtual_banks& y);
bool operator==(const publisher_bank& x, const publisher_bank& y);
bool operator==(const health_targets& x, const health_targets& y);
bool operator==(const device_wanted& x, const device_wanted& y);
bool operator==(const dvcc_listener& x, const dvcc_listener& y);
bool operator==(const custom_name_written& x, const custom_name_written& y);
bool operator==(const name_write_timeout& x, const name_write_timeout& y);
bool operator==(const add_retry_due& x, const add_retry_due& y);
bool operator==(const waiting_due& x, const waiting_due& y);

} // namespace ba

// A reloaded config: local messaging only, never serialised.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ba::config_ptr)
