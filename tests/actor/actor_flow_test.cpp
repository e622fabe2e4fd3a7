#define CAF_SUITE actor_flow
#include "actor/dsl.hpp"

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "actor/fake_bus.hpp"
#include "actor/strict_stub.hpp"
#include "actors/aggregator.hpp"
#include "actors/discovery.hpp"
#include "actors/publisher.hpp"
#include "actors/settings.hpp"
#include "actors/source.hpp"
#include "messages/messages.hpp"
#include "tests/unit/rule_test_support.hpp"

using namespace ba;
using ba::test::absent;
using ba::test::fake_bus;
using namespace std::chrono_literals;

namespace {

constexpr const char* bat_a = "com.victronenergy.battery.a";
constexpr const char* bat_b = "com.victronenergy.battery.b";
constexpr const char* own = "com.victronenergy.battery.aggregator";

/// The settings actor as the others see it: it takes exactly these.
const auto settings_stub
    = ba::test::strict_stub<service_appeared, service_vanished,
                            custom_name_written>;

struct fixture : test_coordinator_fixture<> {
  fake_bus bus;
  config cfg;
  caf::actor settings;
  caf::actor publisher;
  caf::actor aggregator;
  caf::actor discovery;

  fixture() {
    cfg.excluded_services = {"com.victronenergy.battery.shunt"};
    cfg.stale_timeout = 60;
    cfg.reconnect_timeout = 0;
    spawn_all();
  }

  void spawn_all() {
    settings = sys.spawn(settings_stub, std::string{"settings stub"});
    publisher
        = sys.spawn(publisher_actor, cfg, std::string{own},
                    std::string{"Battery Aggregator"}, &bus, settings, false);
    aggregator = sys.spawn(aggregator_actor, cfg, publisher, caf::actor{},
                           false, bank_handover{});
    discovery = sys.spawn(discovery_actor, cfg, std::set<std::string>{own},
                          aggregator, settings, &bus);
    caf::anon_send(publisher, publisher_bank{aggregator});
    // Run the start-up messages (the aggregator publishes the empty bank
    // at once).
    sched.run();
  }

  ~fixture() override {
    ba::test::check_no_unexpected();
    for (auto& a : {discovery, aggregator, publisher, settings})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    // Let the actors end while `bus` still exists: their state destructors
    // hand routes back to it, and the base class destructor runs only after
    // our members are gone.
    sched.run();
  }

  /// Discovery spawns a source for `service`; returns it (it registered
  /// its route with the bus).
  caf::actor appear(const std::string& service) {
    auto before = bus.watches.size();
    inject((service_appeared),
           from(self).to(discovery).with(service_appeared{service, ":1.7"}));
    // The new source starts (and asks the bus for its route) when run.
    sched.run();
    CAF_REQUIRE_EQUAL(bus.watches.size(), before + 1);
    CAF_CHECK_EQUAL(bus.watches.back().service, service);
    CAF_CHECK(bus.watches.back().scan);
    // Its values go to the bank straight from the bus (issue 13).
    CAF_CHECK_EQUAL(bus.watches.back().consumer, aggregator);
    return bus.watches.back().sink;
  }

  /// The complete scan of `src` arrives at the bank (straight from the
  /// bus), which tells the source; the bank changes only with "online".
  void scanned(caf::actor src, const std::string& service,
               const value_map& values) {
    inject(
        (source_values),
        from(self).to(aggregator).with(source_values{service, values, true}));
    expect(
        (source_scanned),
        from(aggregator)
            .to(src)
            .with(source_scanned{service, static_cast<int32_t>(values.size()),
                                 offline_cause::none}));
    expect((member_state),
           from(src)
               .to(aggregator)
               .with(member_state{service, member_status::online, ""}));
    expect_publish();
  }

  /// Changed values of `service` from the bus (they go to the bank).
  void signal(const std::string& service, const value_map& values) {
    inject(
        (source_values),
        from(self).to(aggregator).with(source_values{service, values, false}));
  }

  /// Battery a, online and then silent: the start-up waits (30 s) of the
  /// publisher and the aggregator end first, then after 60 s without a
  /// signal its check has asked the bank when it last spoke.
  caf::actor quiet_until_checked() {
    auto src = appear(bat_a);
    scanned(src, bat_a, pack(52.0, 10.0));
    CAF_CHECK_EQUAL(advance_time(30s), 2u);
    sched.run();
    CAF_CHECK_EQUAL(advance_time(30s), 1u);
    check(src);
    return src;
  }

  /// The source's check timer fired: it asks the bank when it last heard
  /// from it.
  void check(caf::actor src) {
    expect((check_due), from(src).to(src));
    expect((heard_query), from(src).to(aggregator));
    expect((heard_answer), from(aggregator).to(src));
  }

  /// With nothing else in its mailbox the aggregator computes at once
  /// (issue 13: no message to itself per input)...
  void expect_publish() {
    expect((publish_values), from(aggregator).to(publisher));
  }

  value_map pack(double v, double i) {
    return {{"/Dc/0/Voltage", value::real(v)},
            {"/Dc/0/Current", value::real(i)},
            {"/Connected", value::integer(1)}};
  }

  /// A restarted bank (issue 12) handed the two packs as counted before.
  caf::actor restarted_bank() {
    auto held = sys.spawn(aggregator_actor, cfg, publisher, caf::actor{}, true,
                          bank_handover{{bat_a, bat_b}, {bat_a, bat_b}});
    sched.run();
    return held;
  }

  /// `service` is read (snapshot, then online) by the bank `to`.
  void arrive(caf::actor to, const char* service, double current) {
    // Each finds the mailbox empty: the bank is computed at once (and,
    // while holding, publishes nothing).
    inject((source_hello), from(self).to(to).with(source_hello{service}));
    inject((source_values), from(self).to(to).with(source_values{
                                service, pack(52.0, current), true}));
    inject((member_state), from(self).to(to).with(member_state{
                               service, member_status::online, ""}));
  }

  aggregator_state& agg_state() {
    return deref<caf::stateful_actor<aggregator_state>>(aggregator).state;
  }

  /// The aggregate's last output at `path`, or `absent`.
  value out(const std::string& path) {
    return ba::test::at(agg_state().last_output, path);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(actor_flow_tests, fixture)

CAF_TEST(a scanned source reaches the publisher and registers the service) {
  auto src = appear(bat_a);
  scanned(src, bat_a, pack(52.0, 10.0));
  // Valid data, but no device instance yet: not registered.
  CAF_CHECK_EQUAL(bus.exports.size(), 0u);
  inject((device_instance),
         from(self).to(publisher).with(device_instance{1024}));
  CAF_REQUIRE_EQUAL(bus.exports.size(), 1u);
  auto& spec = bus.exports[0];
  CAF_CHECK_EQUAL(spec.service, own);
  CAF_CHECK_EQUAL(fake_bus::find(spec.items, "/DeviceInstance"),
                  value::integer(1024));
  CAF_CHECK_EQUAL(fake_bus::find(spec.items, "/Dc/0/Voltage"),
                  value::real(52.0));
  CAF_CHECK_EQUAL(fake_bus::find(spec.items, "/System/NrOfBatteries"),
                  value::integer(1));
  CAF_CHECK_EQUAL(fake_bus::find(spec.items, "/Soc"), value::invalid());
  CAF_CHECK_EQUAL(fake_bus::find(spec.items, "/Redetect"), value::integer(0));
}

CAF_TEST(changes flow as deltas and leave in one update per cycle) {
  auto src = appear(bat_a);
  scanned(src, bat_a, pack(52.0, 10.0));
  inject((device_instance),
         from(self).to(publisher).with(device_instance{1024}));
  CAF_REQUIRE_EQUAL(bus.exports.size(), 1u);
  // Only the current changes: the bank takes just that path, without a
  // hop through the source actor (issue 13).
  value_map delta{{"/Dc/0/Current", value::real(-5.04)}};
  auto rebuilds = agg_state().input_rebuilds;
  signal(bat_a, delta);
  disallow((source_spoke), from(aggregator).to(src));
  expect_publish();
  // A value update leaves who counts as it is: the bank's input and the
  // roster paths are not rebuilt for it (issue 13).
  CAF_CHECK_EQUAL(agg_state().input_rebuilds, rebuilds);
  // Due, and nothing else in the publisher's mailbox: sent at once, no
  // flush message to itself (issue 13).
  disallow((flush_atom), from(publisher).to(publisher));
  CAF_REQUIRE_EQUAL(bus.updates.size(), 1u);
  auto& items = bus.updates[0].items;
  // Rounded to 0.1 A; the voltage did not change, so it is not re-sent.
  CAF_CHECK_EQUAL(fake_bus::find(items, "/Dc/0/Current"), value::real(-5.0));
  CAF_CHECK_EQUAL(fake_bus::find(items, "/Dc/0/Voltage"), absent);
  // The same value again changes nothing and sends nothing.
  auto updates = agg_state().updates;
  signal(bat_a, delta);
  disallow((publish_values), from(aggregator).to(publisher));
  CAF_CHECK_EQUAL(agg_state().updates, updates);
  // -5.03 rounds to the -5.0 already on the bus (and V x I to the same
  // -262 W): no second update.
  signal(bat_a, {{"/Dc/0/Current", value::real(-5.03)}});
  expect_publish();
  // The clock has not moved since the last flush: this one waits for the
  // end of the publish interval (10 ms).
  disallow((flush_atom), from(publisher).to(publisher));
  CAF_CHECK_EQUAL(advance_time(9ms), 0u);
  CAF_CHECK_EQUAL(advance_time(1ms), 1u);
  expect((flush_atom), from(publisher).to(publisher));
  CAF_CHECK_EQUAL(bus.updates.size(), 1u);
}

CAF_TEST(a source that leaves the bus is dropped from the bank) {
  auto src = appear(bat_a);
  scanned(src, bat_a, pack(52.0, 10.0));
  inject((service_vanished),
         from(self).to(discovery).with(service_vanished{bat_a}));
  expect((lost_atom), from(discovery).to(src));
  expect((member_state),
         from(src)
             .to(aggregator)
             .with(member_state{bat_a, member_status::lost, "left the bus"}));
  expect_publish();
  CAF_CHECK_EQUAL(agg_state().sources.all().size(), 0u);
  CAF_CHECK_EQUAL(out("/System/NrOfBatteries"), value::integer(0));
  CAF_CHECK(!out("/Dc/0/Voltage").valid());
  // It stays on the roster: all batteries lost.
  CAF_CHECK_EQUAL(out("/System/NrOfBatteriesKnown"), value::integer(1));
  CAF_CHECK_EQUAL(out("/System/MissingBatteries"),
                  value::text("[\"com.victronenergy.battery.a\"]"));
  CAF_CHECK_EQUAL(out("/Alarms/BmsCable"), value::integer(2));
}

CAF_TEST(values before the scan completes do not count) {
  auto src = appear(bat_a);
  signal(bat_a, {{"/Dc/0/Voltage", value::real(1.0)}});
  disallow((publish_values), from(aggregator).to(publisher));
  disallow((source_spoke), from(aggregator).to(src));
  CAF_CHECK_EQUAL(agg_state().sources.all().count(bat_a), 0u);
}

// The scan reaches the bank straight from the bus, and so do the signals
// after it, in order: a signal that arrives before the source has said
// "online" is not lost (it would have been with the scan passing through
// the source actor and the signals not).
CAF_TEST(a signal right after the scan counts before the source is online) {
  auto src = appear(bat_a);
  inject((source_values),
         from(self)
             .to(aggregator)
             .with(source_values{bat_a, pack(52.0, 10.0), true}));
  signal(bat_a, {{"/Dc/0/Current", value::real(7.0)}});
  expect((source_scanned), from(aggregator).to(src));
  expect((member_state), from(src).to(aggregator));
  sched.run();
  CAF_CHECK_EQUAL(out("/Dc/0/Current"), value::real(7.0));
}

CAF_TEST(values of a service without a source actor are not taken) {
  inject((source_values),
         from(self)
             .to(aggregator)
             .with(source_values{bat_b, pack(52.0, 10.0), true}));
  disallow((publish_values), from(aggregator).to(publisher));
  CAF_CHECK_EQUAL(agg_state().sources.all().count(bat_b), 0u);
}

CAF_TEST(bad values are taken as invalid and logged once) {
  auto src = appear(bat_a);
  auto values = pack(52.0, 10.0);
  values["/Soc"] = value::real(150.0);
  scanned(src, bat_a, values);
  CAF_CHECK(!agg_state().sources.all().at(bat_a).src.values.at("/Soc").valid());
  CAF_CHECK(!out("/Soc").valid());
  signal(bat_a, {{"/Soc", value::real(55.0)}});
  expect_publish();
  CAF_CHECK_EQUAL(out("/Soc"), value::real(55.0));
}

CAF_TEST(own and excluded services get no source) {
  inject((service_appeared),
         from(self).to(discovery).with(service_appeared{own, ":1.2"}));
  inject((service_appeared), from(self).to(discovery).with(service_appeared{
                                 "com.victronenergy.battery.shunt", ":1.3"}));
  inject((service_appeared), from(self).to(discovery).with(service_appeared{
                                 "com.victronenergy.solarcharger.x", ":1.4"}));
  CAF_CHECK_EQUAL(bus.watches.size(), 0u);
  auto& st = deref<caf::stateful_actor<discovery_state>>(discovery).state;
  CAF_CHECK_EQUAL(st.sources.size(), 0u);
}

CAF_TEST(the settings service is handed to the settings actor) {
  inject((service_appeared), from(self).to(discovery).with(service_appeared{
                                 "com.victronenergy.settings", ":1.1"}));
  expect((service_appeared), from(discovery).to(settings));
}

CAF_TEST(a crashed source is restarted while its service is present) {
  auto src = appear(bat_a);
  caf::anon_send_exit(src, caf::exit_reason::kill);
  sched.run();
  auto& st = deref<caf::stateful_actor<discovery_state>>(discovery).state;
  CAF_REQUIRE_EQUAL(st.sources.count(bat_a), 1u);
  CAF_CHECK_NOT_EQUAL(st.sources[bat_a], src);
  // The new source asked for a fresh scan.
  CAF_CHECK_EQUAL(bus.watches.size(), 2u);
}

CAF_TEST(startup registers with invalid values after the wait) {
  inject((device_instance),
         from(self).to(publisher).with(device_instance{1024}));
  CAF_CHECK_EQUAL(bus.exports.size(), 0u);
  // Both the publisher and the aggregator wait startupBatteryWait (30 s).
  CAF_CHECK_EQUAL(advance_time(30s), 2u);
  sched.run();
  CAF_REQUIRE_EQUAL(bus.exports.size(), 1u);
  CAF_CHECK_EQUAL(fake_bus::find(bus.exports[0].items, "/Dc/0/Voltage"),
                  value::invalid());
  CAF_CHECK_EQUAL(fake_bus::find(bus.exports[0].items, "/Connected"),
                  value::integer(1));
  // No battery ever seen after the wait: BmsCable 2.
  CAF_CHECK_EQUAL(out("/Alarms/BmsCable"), value::integer(2));
}

CAF_TEST(a new device instance re - registers) {
  auto src = appear(bat_a);
  scanned(src, bat_a, pack(52.0, 10.0));
  inject((device_instance),
         from(self).to(publisher).with(device_instance{1024}));
  inject((device_instance),
         from(self).to(publisher).with(device_instance{1024}));
  CAF_CHECK_EQUAL(bus.exports.size(), 1u);
  inject((device_instance),
         from(self).to(publisher).with(device_instance{1030}));
  CAF_REQUIRE_EQUAL(bus.exports.size(), 2u);
  CAF_CHECK_EQUAL(fake_bus::find(bus.exports[1].items, "/DeviceInstance"),
                  value::integer(1030));
}

CAF_TEST(a written custom name is persisted through settings) {
  inject((path_written), from(self).to(publisher).with(path_written{
                             own, "/CustomName", value::text("House bank")}));
  expect((custom_name_written), from(publisher).to(settings).with(
                                    custom_name_written{own, "House bank"}));
}

CAF_TEST(Connected 0 makes a source stale and 1 brings it back rescanned) {
  auto src = appear(bat_a);
  scanned(src, bat_a, pack(52.0, 10.0));
  signal(bat_a, {{"/Connected", value::integer(0)}});
  expect((source_spoke),
         from(aggregator)
             .to(src)
             .with(source_spoke{bat_a, offline_cause::disconnected}));
  expect((member_state),
         from(src)
             .to(aggregator)
             .with(member_state{bat_a, member_status::stale, "/Connected 0"}));
  expect_publish();
  CAF_CHECK_EQUAL(out("/System/NrOfBatteries"), value::integer(0));
  CAF_CHECK_EQUAL(out("/Alarms/BmsCable"), value::integer(2));
  // Out: its values wait for the rescan (the source hears that it spoke).
  signal(bat_a, {{"/Dc/0/Current", value::real(-1.0)}});
  expect((source_spoke),
         from(aggregator)
             .to(src)
             .with(source_spoke{bat_a, offline_cause::disconnected}));
  CAF_CHECK_EQUAL(
      agg_state().sources.all().at(bat_a).src.values.at("/Dc/0/Current"),
      value::real(10.0));
  CAF_CHECK_EQUAL(bus.watches.size(), 1u);
  // Back: the source is read completely before it counts.
  signal(bat_a, {{"/Connected", value::integer(1)}});
  expect(
      (source_spoke),
      from(aggregator).to(src).with(source_spoke{bat_a, offline_cause::none}));
  CAF_CHECK_EQUAL(bus.watches.size(), 2u);
  CAF_CHECK(bus.watches.back().scan);
  scanned(src, bat_a, pack(51.0, 3.0));
  CAF_CHECK_EQUAL(out("/System/NrOfBatteries"), value::integer(1));
  CAF_CHECK_EQUAL(out("/Dc/0/Current"), value::real(3.0));
}

CAF_TEST(a silent source that does not answer the probe goes stale) {
  auto src = quiet_until_checked();
  CAF_REQUIRE_EQUAL(bus.probes.size(), 1u);
  inject((probe_result),
         from(self).to(src).with(probe_result{bat_a, false, value::invalid()}));
  // No signal reached the bank while the probe was out either: stale.
  expect((heard_query), from(src).to(aggregator));
  expect((heard_answer), from(aggregator).to(src));
  expect((member_state), from(src).to(aggregator));
  expect_publish();
  CAF_CHECK_EQUAL(agg_state().sources.all().at(bat_a).status,
                  member_status::stale);
  CAF_CHECK_EQUAL(out("/System/NrOfBatteries"), value::integer(0));
  // It answers again 5 s later: rescanned, then online.
  CAF_CHECK_EQUAL(advance_time(5s), 1u);
  check(src);
  CAF_REQUIRE_EQUAL(bus.probes.size(), 2u);
  auto scans = bus.watches.size();
  inject((probe_result),
         from(self).to(src).with(probe_result{bat_a, true, value::integer(1)}));
  CAF_CHECK_EQUAL(bus.watches.size(), scans + 1);
  scanned(src, bat_a, pack(52.5, 1.0));
  CAF_CHECK_EQUAL(out("/System/NrOfBatteries"), value::integer(1));
}

CAF_TEST(a quiet source that answers the probe stays online) {
  auto src = quiet_until_checked();
  inject((probe_result),
         from(self).to(src).with(probe_result{bat_a, true, value::integer(1)}));
  disallow((member_state), from(src).to(aggregator));
  CAF_CHECK_EQUAL(out("/System/NrOfBatteries"), value::integer(1));
}

// A flood of signals keeps the loop busy past the probe's timeout: the
// probe goes unanswered although the source is speaking. Stale only when no
// signal came while the probe was out (found by the ASan suite, where the
// flood test is ten times slower).
CAF_TEST(an unanswered probe during signals leaves the source online) {
  auto src = quiet_until_checked();
  CAF_REQUIRE_EQUAL(bus.probes.size(), 1u);
  advance_time(1s);
  signal(bat_a, {{"/Dc/0/Current", value::real(9.0)}});
  expect_publish();
  inject((probe_result),
         from(self).to(src).with(probe_result{bat_a, false, value::invalid()}));
  expect((heard_query), from(src).to(aggregator));
  expect((heard_answer), from(aggregator).to(src));
  disallow((member_state), from(src).to(aggregator));
  CAF_CHECK_EQUAL(agg_state().sources.all().at(bat_a).status,
                  member_status::online);
  // It looks again a stale timeout after that signal.
  CAF_CHECK_EQUAL(advance_time(59s), 0u);
  CAF_CHECK_EQUAL(advance_time(1s), 1u);
  check(src);
  CAF_CHECK_EQUAL(bus.probes.size(), 2u);
}

// The source actor no longer sees the signals: it asks the bank when the
// last one came before it probes.
CAF_TEST(a source whose signals reach the bank is not probed) {
  auto src = appear(bat_a);
  scanned(src, bat_a, pack(52.0, 10.0));
  CAF_CHECK_EQUAL(advance_time(30s), 2u);
  sched.run();
  // A signal 40 s after the scan: the check at 60 s finds 20 s of quiet
  // and looks again 40 s later.
  CAF_CHECK_EQUAL(advance_time(10s), 0u);
  signal(bat_a, {{"/Dc/0/Current", value::real(9.0)}});
  expect_publish();
  CAF_CHECK_EQUAL(advance_time(20s), 1u);
  check(src);
  CAF_CHECK_EQUAL(bus.probes.size(), 0u);
  CAF_CHECK_EQUAL(advance_time(39s), 0u);
  CAF_CHECK_EQUAL(advance_time(1s), 1u);
  check(src);
  CAF_CHECK_EQUAL(bus.probes.size(), 1u);
}

CAF_TEST(redetect clears the roster to the members online) {
  auto a = appear(bat_a);
  scanned(a, bat_a, pack(52.0, 10.0));
  auto b = appear(bat_b);
  scanned(b, bat_b, pack(52.0, 5.0));
  inject((service_vanished),
         from(self).to(discovery).with(service_vanished{bat_b}));
  expect((lost_atom), from(discovery).to(b));
  expect((member_state), from(b).to(aggregator));
  expect_publish();
  CAF_CHECK_EQUAL(out("/System/NrOfBatteriesKnown"), value::integer(2));
  // A pack lost is its own notification; BmsCable means the whole bank.
  CAF_CHECK_EQUAL(out("/Alarms/ParallelBmsLost"), value::integer(2));
  CAF_CHECK_EQUAL(out("/Alarms/BmsCable"), absent);
  inject((path_written), from(self).to(publisher).with(path_written{
                             own, "/Redetect", value::integer(1)}));
  expect((redetect_atom), from(publisher).to(aggregator));
  expect_publish();
  CAF_CHECK_EQUAL(out("/System/NrOfBatteriesKnown"), value::integer(1));
  CAF_CHECK_EQUAL(out("/System/MissingBatteries"), value::text("[]"));
  CAF_CHECK_EQUAL(out("/Alarms/ParallelBmsLost"), value::integer(0));
  CAF_CHECK_EQUAL(out("/Alarms/BmsCable"), absent);
}

CAF_TEST(a source stopped by discovery is not reported missing) {
  // A reload that excludes a source: discovery stops it and tells the
  // aggregator, possibly before the aggregator sees the new config.
  auto src = appear(bat_a);
  scanned(src, bat_a, pack(52.0, 10.0));
  inject((member_removed),
         from(self).to(aggregator).with(member_removed{bat_a}));
  expect_publish();
  CAF_CHECK_EQUAL(out("/System/NrOfBatteriesKnown"), value::integer(0));
  CAF_CHECK_EQUAL(out("/System/MissingBatteries"), value::text("[]"));
}

// Issue 12, finding 1: a bank restarted (reload or crash) keeps the last
// aggregate on the bus until the sources its predecessor counted are read
// again, then publishes once, complete.
CAF_TEST(a restarted bank publishes once every awaited source is read) {
  auto held = restarted_bank();
  auto& st = deref<caf::stateful_actor<aggregator_state>>(held).state;
  CAF_CHECK(st.holding);
  arrive(held, bat_a, 10.0);
  // One of two read: nothing for the publisher, not even the empty bank.
  disallow((publish_values), from(held).to(publisher));
  disallow((recompute_atom), from(held).to(held));
  CAF_CHECK(st.holding);
  CAF_CHECK(st.last_output.empty());
  arrive(held, bat_b, 5.0);
  CAF_CHECK(!st.holding);
  expect((publish_values), from(held).to(publisher));
  CAF_CHECK_EQUAL(st.last_output["/Dc/0/Current"], value::real(15.0));
  CAF_CHECK_EQUAL(st.last_output["/System/NrOfBatteries"], value::integer(2));
  caf::anon_send_exit(held, caf::exit_reason::user_shutdown);
}

CAF_TEST(a restarted bank stops waiting for a source gone from the bus) {
  auto held = restarted_bank();
  auto& st = deref<caf::stateful_actor<aggregator_state>>(held).state;
  arrive(held, bat_a, 10.0);
  disallow((recompute_atom), from(held).to(held));
  CAF_CHECK(st.holding);
  // Discovery's list after the restart: b is not on the bus.
  inject((services_listed), from(self).to(held).with(services_listed{
                                std::vector<std::string>{bat_a}}));
  CAF_CHECK(!st.holding);
  expect((publish_values), from(held).to(publisher));
  CAF_CHECK_EQUAL(st.last_output["/Dc/0/Current"], value::real(10.0));
  // Still in the roster it was handed: reported missing.
  CAF_CHECK_EQUAL(st.last_output["/System/NrOfBatteriesKnown"],
                  value::integer(2));
  CAF_CHECK_EQUAL(st.last_output["/System/MissingBatteries"],
                  value::text(R"(["com.victronenergy.battery.b"])"));
  caf::anon_send_exit(held, caf::exit_reason::user_shutdown);
}

CAF_TEST(a restarted bank gives up on a silent source after the hold limit) {
  auto held = restarted_bank();
  auto& st = deref<caf::stateful_actor<aggregator_state>>(held).state;
  arrive(held, bat_a, 10.0);
  disallow((recompute_atom), from(held).to(held));
  CAF_CHECK(st.holding);
  // b is on the bus but never answers: max_hold (staleTimeout is 60 s).
  CAF_CHECK_EQUAL(advance_time(max_hold - 1ms), 0u);
  CAF_CHECK(st.holding);
  CAF_CHECK_EQUAL(advance_time(1ms), 1u);
  expect((hold_atom), from(held).to(held));
  CAF_CHECK(!st.holding);
  expect((publish_values), from(held).to(publisher));
  CAF_CHECK_EQUAL(st.last_output["/Dc/0/Current"], value::real(10.0));
  caf::anon_send_exit(held, caf::exit_reason::user_shutdown);
}

CAF_TEST_FIXTURE_SCOPE_END()

namespace {

struct grace_fixture : fixture {
  grace_fixture() {
    // Rebuild with a reconnect grace of 10 s.
    for (auto& a : {discovery, aggregator, publisher, settings})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
    cfg.reconnect_timeout = 10;
    spawn_all();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(grace_tests, grace_fixture)

CAF_TEST(a lost member keeps its values for reconnectTimeout) {
  auto src = appear(bat_a);
  scanned(src, bat_a, pack(52.0, 10.0));
  inject((service_vanished),
         from(self).to(discovery).with(service_vanished{bat_a}));
  expect((lost_atom), from(discovery).to(src));
  expect((member_state), from(src).to(aggregator));
  // Inside the grace: still counted with its last values (no new output).
  disallow((publish_values), from(aggregator).to(publisher));
  CAF_CHECK_EQUAL(out("/Dc/0/Current"), value::real(10.0));
  CAF_CHECK_EQUAL(out("/System/NrOfBatteries"), value::integer(1));
  CAF_CHECK_EQUAL(advance_time(9s), 0u);
  CAF_CHECK_EQUAL(advance_time(1s), 1u);
  expect((grace_over), from(aggregator).to(aggregator));
  expect_publish();
  CAF_CHECK(!out("/Dc/0/Current").valid());
  CAF_CHECK_EQUAL(out("/System/NrOfBatteries"), value::integer(0));
  // Every member lost beyond its grace: no charging, no discharging.
  CAF_CHECK_EQUAL(out("/Alarms/BmsCable"), value::integer(2));
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(stub_checks, fixture)

// The check every test ends with must be able to fail.
CAF_TEST(a stub reports a message it does not take) {
  caf::anon_send(settings, ready_atom::value);
  sched.run();
  CAF_REQUIRE_EQUAL(ba::test::unexpected().size(), 1u);
  CAF_CHECK_EQUAL(ba::test::unexpected().front().rfind("settings stub: ", 0),
                  0u);
  ba::test::unexpected().clear();
}

CAF_TEST_FIXTURE_SCOPE_END()
