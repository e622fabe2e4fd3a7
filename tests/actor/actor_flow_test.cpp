#define CAF_SUITE actor_flow
#include "actor/dsl.hpp"

#include <set>
#include <string>

#include "actor/fake_bus.hpp"
#include "actors/aggregator.hpp"
#include "actors/discovery.hpp"
#include "actors/publisher.hpp"
#include "actors/settings.hpp"
#include "actors/source.hpp"
#include "messages/messages.hpp"

using namespace ba;
using ba::test::fake_bus;

namespace {

constexpr const char* bat_a = "com.victronenergy.battery.a";
constexpr const char* own = "com.victronenergy.battery.aggregator";

caf::behavior settings_stub() {
  return {
      [](const service_appeared&) {},
      [](const service_vanished&) {},
      [](const custom_name&) {},
  };
}

struct fixture : test_coordinator_fixture<> {
  fake_bus bus;
  config cfg;
  caf::actor settings;
  caf::actor publisher;
  caf::actor aggregator;
  caf::actor discovery;

  fixture() {
    cfg.excluded_services = {"com.victronenergy.battery.shunt"};
    settings = sys.spawn(settings_stub);
    publisher = sys.spawn(publisher_actor, cfg, std::string{own},
                          std::string{"Battery Aggregator"}, &bus, settings);
    aggregator = sys.spawn(aggregator_actor, cfg, publisher);
    discovery = sys.spawn(discovery_actor, cfg, std::set<std::string>{own},
                          aggregator, settings, &bus);
    // Run the start-up messages (the aggregator publishes the empty bank
    // at once).
    sched.run();
  }

  ~fixture() override {
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
    return bus.watches.back().sink;
  }

  value_map pack(double v, double i) {
    return {{"/Dc/0/Voltage", value::real(v)},
            {"/Dc/0/Current", value::real(i)},
            {"/Connected", value::integer(1)}};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(actor_flow_tests, fixture)

CAF_TEST(a scanned source reaches the publisher and registers the service) {
  auto src = appear(bat_a);
  inject((source_values),
         from(self).to(src).with(source_values{bat_a, pack(52.0, 10.0), true}));
  expect((member_update),
         from(src)
             .to(aggregator)
             .with(member_update{bat_a, pack(52.0, 10.0), true}));
  expect((publish_values), from(aggregator).to(publisher));
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
}

CAF_TEST(changes flow as deltas and leave in one update per cycle) {
  auto src = appear(bat_a);
  inject((source_values),
         from(self).to(src).with(source_values{bat_a, pack(52.0, 10.0), true}));
  expect((member_update), from(src).to(aggregator));
  expect((publish_values), from(aggregator).to(publisher));
  inject((device_instance),
         from(self).to(publisher).with(device_instance{1024}));
  CAF_REQUIRE_EQUAL(bus.exports.size(), 1u);
  // Only the current changes: the source passes on just that path.
  value_map delta{{"/Dc/0/Current", value::real(-5.04)}};
  inject((source_values),
         from(self).to(src).with(source_values{bat_a, delta, false}));
  expect((member_update),
         from(src).to(aggregator).with(member_update{bat_a, delta, false}));
  expect((publish_values), from(aggregator).to(publisher));
  // The flush is a message to itself, run once the mailbox is drained.
  expect((flush_atom), from(publisher).to(publisher));
  CAF_REQUIRE_EQUAL(bus.updates.size(), 1u);
  auto& items = bus.updates[0].items;
  // Rounded to 0.1 A; the voltage did not change, so it is not re-sent.
  CAF_CHECK_EQUAL(fake_bus::find(items, "/Dc/0/Current"), value::real(-5.0));
  CAF_CHECK_EQUAL(fake_bus::find(items, "/Dc/0/Voltage"),
                  value::text("<missing>"));
  // The same value again changes nothing and sends nothing.
  inject((source_values),
         from(self).to(src).with(source_values{bat_a, delta, false}));
  disallow((member_update), from(src).to(aggregator));
  // -5.03 rounds to the -5.0 already on the bus (and V x I to the same
  // -262 W): no second update.
  inject((source_values),
         from(self).to(src).with(source_values{
             bat_a, {{"/Dc/0/Current", value::real(-5.03)}}, false}));
  expect((member_update), from(src).to(aggregator));
  expect((publish_values), from(aggregator).to(publisher));
  // The clock has not moved since the last flush: this one waits for the
  // end of the publish interval (10 ms).
  disallow((flush_atom), from(publisher).to(publisher));
  CAF_CHECK_EQUAL(advance_time(std::chrono::milliseconds(9)), 0u);
  CAF_CHECK_EQUAL(advance_time(std::chrono::milliseconds(1)), 1u);
  expect((flush_atom), from(publisher).to(publisher));
  CAF_CHECK_EQUAL(bus.updates.size(), 1u);
}

CAF_TEST(a source that leaves the bus is dropped from the bank) {
  auto src = appear(bat_a);
  inject((source_values),
         from(self).to(src).with(source_values{bat_a, pack(52.0, 10.0), true}));
  expect((member_update), from(src).to(aggregator));
  expect((publish_values), from(aggregator).to(publisher));
  inject((service_vanished),
         from(self).to(discovery).with(service_vanished{bat_a}));
  expect((lost_atom), from(discovery).to(src));
  expect((member_removed),
         from(src).to(aggregator).with(member_removed{bat_a}));
  expect((publish_values), from(aggregator).to(publisher));
  auto& st = deref<caf::stateful_actor<aggregator_state>>(aggregator).state;
  CAF_CHECK_EQUAL(st.sources.size(), 0u);
  CAF_CHECK_EQUAL(st.last_output["/System/NrOfBatteries"], value::integer(0));
  CAF_CHECK(!st.last_output["/Dc/0/Voltage"].valid());
}

CAF_TEST(values before the scan completes do not count) {
  auto src = appear(bat_a);
  inject((source_values),
         from(self).to(src).with(source_values{
             bat_a, {{"/Dc/0/Voltage", value::real(1.0)}}, false}));
  disallow((member_update), from(src).to(aggregator));
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
  sched.trigger_timeout();
  expect((startup_atom), from(publisher).to(publisher));
  CAF_REQUIRE_EQUAL(bus.exports.size(), 1u);
  CAF_CHECK_EQUAL(fake_bus::find(bus.exports[0].items, "/Dc/0/Voltage"),
                  value::invalid());
  CAF_CHECK_EQUAL(fake_bus::find(bus.exports[0].items, "/Connected"),
                  value::integer(1));
}

CAF_TEST(a new device instance re - registers) {
  auto src = appear(bat_a);
  inject((source_values),
         from(self).to(src).with(source_values{bat_a, pack(52.0, 10.0), true}));
  expect((member_update), from(src).to(aggregator));
  expect((publish_values), from(aggregator).to(publisher));
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
  expect((custom_name),
         from(publisher).to(settings).with(custom_name{"House bank"}));
}

CAF_TEST_FIXTURE_SCOPE_END()
