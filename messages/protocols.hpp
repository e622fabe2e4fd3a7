#pragma once

// Each actor's message set, as a type the compiler checks: an actor builds
// its behaviour with `checked_behavior<its_protocol>(handlers...)`, which
// does not compile unless the handlers take exactly these messages (no
// message missing, none extra, the same answer types). The handles stay
// untyped (`caf::actor`): the bus posts to them from its own thread and the
// tests drive them with CAF's test DSL. docs/architecture.md draws who sends
// what.

#include <caf/replies_to.hpp>
#include <caf/typed_behavior.hpp>

#include "messages/messages.hpp"

namespace ba {

/// The bank of the main aggregate: a source's values straight from the bus,
/// its source actor's state and questions, virtual batteries' outputs, the
/// supervisor's wiring, DVCC from settings, /Redetect from the publisher,
/// its own timers; answers health with its counters.
using aggregator_protocol = caf::typed_behavior<
    caf::reacts_to<source_values>, caf::reacts_to<source_hello>,
    caf::reacts_to<heard_query>, caf::reacts_to<member_update>,
    caf::reacts_to<member_state>, caf::reacts_to<member_removed>,
    caf::reacts_to<grace_over>, caf::reacts_to<virtual_banks>,
    caf::reacts_to<services_listed>, caf::reacts_to<dvcc_state>,
    caf::reacts_to<config_ptr>, caf::reacts_to<hold_atom>,
    caf::reacts_to<recompute_atom>, caf::reacts_to<startup_atom>,
    caf::reacts_to<redetect_atom>,
    caf::replies_to<summary_atom>::with<health_stats>>;

/// A virtual battery: its members' updates and states routed by the
/// aggregator, its own timers, and `ready_atom` once a restarted bank has
/// read its members.
using virtual_battery_protocol = caf::typed_behavior<
    caf::reacts_to<member_update>, caf::reacts_to<member_state>,
    caf::reacts_to<member_removed>, caf::reacts_to<grace_over>,
    caf::reacts_to<recompute_atom>, caf::reacts_to<ready_atom>>;

/// One battery's lifecycle: what its consumer says of its values, the
/// bus's answers, discovery's `lost_atom`, its own timers.
using source_protocol = caf::typed_behavior<
    caf::reacts_to<source_scanned>, caf::reacts_to<source_spoke>,
    caf::reacts_to<heard_answer>, caf::reacts_to<check_due>,
    caf::reacts_to<probe_result>, caf::reacts_to<scan_failed>,
    caf::reacts_to<rescan_atom>, caf::reacts_to<lost_atom>>;

/// An exported service: a bank's values, its identity from settings, a
/// client's writes and the registration from the bus, reloads, its own
/// flush; answers health with its counters.
using publisher_protocol = caf::typed_behavior<
    caf::reacts_to<publish_values>, caf::reacts_to<device_instance>,
    caf::reacts_to<custom_name>, caf::reacts_to<publisher_bank>,
    caf::reacts_to<path_written>, caf::reacts_to<service_registered>,
    caf::reacts_to<config_ptr>, caf::reacts_to<startup_atom>,
    caf::reacts_to<flush_atom>,
    caf::replies_to<summary_atom>::with<health_stats>>;

/// The settings service and systemcalc's DVCC flag: the supervisor's
/// devices and listener, a publisher's written name, the bus's names,
/// values and AddSettings answers, its own timers.
using settings_protocol = caf::typed_behavior<
    caf::reacts_to<device_wanted>, caf::reacts_to<dvcc_listener>,
    caf::reacts_to<custom_name_written>, caf::reacts_to<service_appeared>,
    caf::reacts_to<service_vanished>, caf::reacts_to<source_values>,
    caf::reacts_to<settings_added>, caf::reacts_to<scan_failed>,
    caf::reacts_to<add_retry_due>, caf::reacts_to<waiting_due>,
    caf::reacts_to<name_write_timeout>>;

/// Which batteries are on the bus: the bus's names, the end of a listing,
/// reloads (down messages of its sources come by its down handler).
using discovery_protocol = caf::typed_behavior<
    caf::reacts_to<service_appeared>, caf::reacts_to<service_vanished>,
    caf::reacts_to<listed_atom>, caf::reacts_to<config_ptr>>;

/// The minute's summary line: its own timer, and whom to ask after a
/// restart.
using health_protocol = caf::typed_behavior<caf::reacts_to<summary_atom>,
                                            caf::reacts_to<health_targets>>;

/// The supervisor: reloads, the bank's handover (and, in test builds, the
/// crash hook); its children's down messages come by its down handler.
using supervisor_protocol = caf::typed_behavior<caf::reacts_to<config_ptr>,
                                                caf::reacts_to<bank_handover>
#ifdef BA_TEST_HOOKS
                                                ,
                                                caf::reacts_to<crash_atom>
#endif
                                                >;

/// The behaviour made of `fs`, which must take exactly the messages of
/// `Protocol` (a compile error names the mismatch).
template <class Protocol, class... Fs>
caf::behavior checked_behavior(Fs... fs) {
  Protocol checked{std::move(fs)...};
  return std::move(checked.unbox());
}

} // namespace ba
