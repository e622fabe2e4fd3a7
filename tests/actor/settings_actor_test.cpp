#define CAF_SUITE settings_actor
#include "actor/dsl.hpp"

// The settings actor (actors/settings.cpp) against a fake bus, with strict
// stubs for a publisher and the aggregator: AddSettings with the device
// instance and custom name defaults, the values of the settings service
// reaching the publisher (an over-long name ignored), DVCC state now and on
// change, a client's custom name write (a stale read while it is pending
// not forwarded), the retry after a failed AddSettings, and the settings
// service leaving and coming back.

#include <chrono>
#include <string>
#include <vector>

#include "actor/fake_bus.hpp"
#include "actor/strict_stub.hpp"
#include "actors/settings.hpp"
#include "messages/messages.hpp"

using namespace ba;
using namespace ba::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* settings_svc = "com.victronenergy.settings";
constexpr const char* system_svc = "com.victronenergy.system";
constexpr const char* vb = "com.victronenergy.battery.house";
constexpr const char* instance_path
    = "/Settings/Devices/BatteryAggregator_house/ClassAndVrmInstance";
constexpr const char* name_path = "/Settings/Battery/house/CustomName";
constexpr const char* max_current = "/Settings/SystemSetup/MaxChargeCurrent";
constexpr const char* max_voltage = "/Settings/SystemSetup/MaxChargeVoltage";

using stub = caf::stateful_actor<stub_state>;

struct fixture : test_coordinator_fixture<> {
  fake_bus bus;
  caf::actor publisher;
  caf::actor aggregator;
  caf::actor settings;

  fixture() {
    publisher = sys.spawn(strict_stub<device_instance, custom_name>,
                          std::string{"publisher stub"});
    aggregator
        = sys.spawn(strict_stub<dvcc_state>, std::string{"aggregator stub"});
    settings = sys.spawn(settings_actor, &bus);
    sched.run();
  }

  ~fixture() override {
    check_no_unexpected();
    for (auto& a : {settings, publisher, aggregator})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }

  void want() {
    inject((device_wanted),
           from(self).to(settings).with(device_wanted{
               vb, "BatteryAggregator_house", "house", 1056, publisher}));
  }

  void settings_appear() {
    inject((service_appeared), from(self).to(settings).with(
                                   service_appeared{settings_svc, ":1.5"}));
  }

  /// The AddSettings answer with these current values.
  void added(const std::string& instance, const std::string& name) {
    // settings_added has no operator== (messages.hpp): sent, then run.
    self->send(settings,
               settings_added{{{instance_path, 0, value::text(instance)},
                               {name_path, 0, value::text(name)}}});
    expect((settings_added), from(self).to(settings));
  }

  /// Wanted, the settings service present, added with battery:1057 and
  /// "House": the publisher got both.
  void registered() {
    want();
    settings_appear();
    added("battery:1057", "House");
    expect((device_instance),
           from(settings).to(publisher).with(device_instance{1057}));
    expect((custom_name),
           from(settings).to(publisher).with(custom_name{"House"}));
  }

  /// Values of the settings (or system) service from the bus.
  void values(const char* service, value_map v) {
    inject((source_values), from(self).to(settings).with(
                                source_values{service, std::move(v), false}));
  }

  /// AddSettings call `n` asked for the two defaults of the house battery.
  void check_defaults(size_t n) {
    CAF_REQUIRE(bus.settings_calls.size() > n);
    auto& call = bus.settings_calls[n];
    CAF_REQUIRE_EQUAL(call.size(), 2u);
    CAF_CHECK_EQUAL(call[0].path, instance_path);
    CAF_CHECK_EQUAL(call[0].current, value::text("battery:1056"));
    CAF_CHECK_EQUAL(call[1].path, name_path);
    CAF_CHECK_EQUAL(call[1].current, value::text(""));
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(settings_actor_tests, fixture)

CAF_TEST(a wanted device is added once the settings service is there) {
  want();
  // Absent so far: nothing asked of the bus.
  CAF_CHECK_EQUAL(bus.settings_calls.size(), 0u);
  CAF_CHECK_EQUAL(bus.path_watches.size(), 0u);
  settings_appear();
  CAF_REQUIRE_EQUAL(bus.settings_calls.size(), 1u);
  check_defaults(0);
  // Only our settings are routed here: the DVCC limits and both paths.
  CAF_REQUIRE_EQUAL(bus.path_watches.size(), 1u);
  CAF_CHECK_EQUAL(bus.path_watches[0].service, settings_svc);
  CAF_CHECK_EQUAL(bus.path_watches[0].sink, settings);
  CAF_CHECK_EQUAL(bus.path_watches[0].paths,
                  (std::vector<std::string>{max_current, max_voltage,
                                            instance_path, name_path}));
}

CAF_TEST(the settings values reach the publisher) {
  registered();
  // A user (or another device) moved the instance and renamed the bank.
  values(settings_svc, {{instance_path, value::text("battery:1060")}});
  expect((device_instance),
         from(settings).to(publisher).with(device_instance{1060}));
  values(settings_svc, {{name_path, value::text("Shed")}});
  expect((custom_name), from(settings).to(publisher).with(custom_name{"Shed"}));
  // Not <class>:<instance>, or not yet created: the instance stays.
  values(settings_svc, {{instance_path, value::text("battery")}});
  values(settings_svc, {{instance_path, value::invalid()}});
  disallow((device_instance), from(settings).to(publisher));
  CAF_CHECK_EQUAL(*deref<caf::stateful_actor<settings_state>>(settings)
                       .state.devices.at(0)
                       .instance,
                  1060);
}

CAF_TEST(a custom name longer than 128 bytes is ignored) {
  registered();
  values(settings_svc, {{name_path, value::text(std::string(129, 'x'))}});
  disallow((custom_name), from(settings).to(publisher));
  // The limit itself is allowed.
  values(settings_svc, {{name_path, value::text(std::string(128, 'y'))}});
  expect((custom_name),
         from(settings).to(publisher).with(custom_name{std::string(128, 'y')}));
}

CAF_TEST(the DVCC state goes to its listener now and on change) {
  inject((dvcc_listener),
         from(self).to(settings).with(dvcc_listener{aggregator}));
  // Nothing known yet: off, no user limits.
  expect((dvcc_state),
         from(settings).to(aggregator).with(dvcc_state{false, -1, 0}));
  inject((service_appeared),
         from(self).to(settings).with(service_appeared{system_svc, ":1.9"}));
  CAF_REQUIRE_EQUAL(bus.path_watches.size(), 1u);
  CAF_CHECK_EQUAL(bus.path_watches[0].service, system_svc);
  CAF_CHECK_EQUAL(bus.path_watches[0].paths,
                  std::vector<std::string>{"/Control/Dvcc"});
  // systemcalc turning DVCC on does not mean the settings service is there.
  CAF_CHECK_EQUAL(bus.settings_calls.size(), 0u);
  values(system_svc, {{"/Control/Dvcc", value::integer(1)}});
  expect((dvcc_state),
         from(settings).to(aggregator).with(dvcc_state{true, -1, 0}));
  // The same again is no change.
  values(system_svc, {{"/Control/Dvcc", value::integer(1)}});
  disallow((dvcc_state), from(settings).to(aggregator));
  values(settings_svc, {{max_current, value::real(50)}});
  expect((dvcc_state),
         from(settings).to(aggregator).with(dvcc_state{true, 50, 0}));
  values(settings_svc, {{max_voltage, value::real(55.2)}});
  expect((dvcc_state),
         from(settings).to(aggregator).with(dvcc_state{true, 50, 55.2}));
  // A limit taken away (invalid) is no limit.
  values(settings_svc, {{max_current, value::invalid()}});
  expect((dvcc_state),
         from(settings).to(aggregator).with(dvcc_state{true, -1, 55.2}));
  // systemcalc gone: DVCC counts as off.
  inject((service_vanished),
         from(self).to(settings).with(service_vanished{system_svc}));
  expect((dvcc_state),
         from(settings).to(aggregator).with(dvcc_state{false, -1, 55.2}));
  // A new listener hears the state at once.
  inject((dvcc_listener),
         from(self).to(settings).with(dvcc_listener{aggregator}));
  expect((dvcc_state),
         from(settings).to(aggregator).with(dvcc_state{false, -1, 55.2}));
}

CAF_TEST(a written custom name is persisted and a stale read not forwarded) {
  registered();
  inject((custom_name_written),
         from(self).to(settings).with(custom_name_written{vb, "Garage"}));
  CAF_REQUIRE_EQUAL(bus.sets.size(), 1u);
  CAF_CHECK_EQUAL(bus.sets[0].service, settings_svc);
  CAF_CHECK_EQUAL(bus.sets[0].path, name_path);
  CAF_CHECK_EQUAL(bus.sets[0].val, value::text("Garage"));
  // A read from before the write: the old name must not undo it.
  values(settings_svc, {{name_path, value::text("House")}});
  disallow((custom_name), from(settings).to(publisher));
  // The write comes back, and from then on every change is taken.
  values(settings_svc, {{name_path, value::text("Garage")}});
  expect((custom_name),
         from(settings).to(publisher).with(custom_name{"Garage"}));
  values(settings_svc, {{name_path, value::text("House")}});
  expect((custom_name),
         from(settings).to(publisher).with(custom_name{"House"}));
  // The write's timer fires later and changes nothing.
  CAF_CHECK_EQUAL(advance_time(5s), 1u);
  expect((name_write_timeout), from(settings).to(settings));
  CAF_CHECK_EQUAL(bus.sets.size(), 1u);
}

CAF_TEST(a write that never comes back stops holding back reads after 5 s) {
  registered();
  inject((custom_name_written),
         from(self).to(settings).with(custom_name_written{vb, "Garage"}));
  CAF_CHECK_EQUAL(advance_time(4s), 0u);
  values(settings_svc, {{name_path, value::text("House")}});
  disallow((custom_name), from(settings).to(publisher));
  CAF_CHECK_EQUAL(advance_time(1s), 1u);
  expect((name_write_timeout),
         from(settings).to(settings).with(name_write_timeout{vb, 1}));
  values(settings_svc, {{name_path, value::text("House")}});
  expect((custom_name),
         from(settings).to(publisher).with(custom_name{"House"}));
}

CAF_TEST(a failed AddSettings is retried after 2 s) {
  want();
  settings_appear();
  CAF_REQUIRE_EQUAL(bus.settings_calls.size(), 1u);
  inject((scan_failed),
         from(self).to(settings).with(scan_failed{settings_svc, "no reply"}));
  CAF_CHECK_EQUAL(advance_time(1s), 0u);
  CAF_CHECK_EQUAL(bus.settings_calls.size(), 1u);
  CAF_CHECK_EQUAL(advance_time(1s), 1u);
  expect((add_retry_due), from(settings).to(settings).with(add_retry_due{1}));
  CAF_REQUIRE_EQUAL(bus.settings_calls.size(), 2u);
  check_defaults(1);
  // Once added, a device is not asked for again.
  added("battery:1056", "");
  expect((device_instance),
         from(settings).to(publisher).with(device_instance{1056}));
  expect((custom_name), from(settings).to(publisher).with(custom_name{""}));
  inject((scan_failed),
         from(self).to(settings).with(scan_failed{settings_svc, "no reply"}));
  CAF_CHECK_EQUAL(advance_time(2s), 1u);
  expect((add_retry_due), from(settings).to(settings));
  CAF_CHECK_EQUAL(bus.settings_calls.size(), 2u);
  // But its paths are routed again.
  CAF_CHECK_EQUAL(bus.path_watches.size(), 3u);
}

CAF_TEST(the settings service leaving and coming back re - adds every device) {
  registered();
  CAF_REQUIRE_EQUAL(bus.settings_calls.size(), 1u);
  // A failure just before it left: the retry is of the old generation.
  inject((scan_failed),
         from(self).to(settings).with(scan_failed{settings_svc, "no reply"}));
  inject((service_vanished),
         from(self).to(settings).with(service_vanished{settings_svc}));
  // Gone: a failure is not retried, and a written name waits.
  inject((scan_failed),
         from(self).to(settings).with(scan_failed{settings_svc, "no reply"}));
  inject((custom_name_written),
         from(self).to(settings).with(custom_name_written{vb, "Garage"}));
  CAF_CHECK_EQUAL(bus.sets.size(), 0u);
  settings_appear();
  // Its settings may be new (a reset): every device is added again.
  CAF_REQUIRE_EQUAL(bus.settings_calls.size(), 2u);
  check_defaults(1);
  // The old retry (generation 1, now 3) asks nothing.
  CAF_CHECK_EQUAL(advance_time(2s), 1u);
  expect((add_retry_due), from(settings).to(settings).with(add_retry_due{1}));
  CAF_CHECK_EQUAL(bus.settings_calls.size(), 2u);
  added("battery:1057", "House");
  expect((device_instance),
         from(settings).to(publisher).with(device_instance{1057}));
  // "House" is not the name written meanwhile: held back.
  disallow((custom_name), from(settings).to(publisher));
}

CAF_TEST(waiting for the settings service is said again every 10 s) {
  // The actor says it waits from its start (generation 0)...
  CAF_CHECK_EQUAL(advance_time(10s), 1u);
  expect((waiting_due), from(settings).to(settings).with(waiting_due{0}));
  CAF_CHECK_EQUAL(advance_time(10s), 1u);
  expect((waiting_due), from(settings).to(settings).with(waiting_due{0}));
  // ...and stops once it is there.
  settings_appear();
  CAF_CHECK_EQUAL(advance_time(10s), 1u);
  expect((waiting_due), from(settings).to(settings).with(waiting_due{0}));
  CAF_CHECK_EQUAL(advance_time(10s), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(settings_stub_checks, fixture)

// The check every test ends with must be able to fail.
CAF_TEST(a stub reports a message it does not take) {
  caf::anon_send(publisher, dvcc_state{});
  sched.run();
  CAF_REQUIRE_EQUAL(unexpected().size(), 1u);
  CAF_CHECK_EQUAL(unexpected().front().rfind("publisher stub: ", 0), 0u);
  unexpected().clear();
}

CAF_TEST_FIXTURE_SCOPE_END()
