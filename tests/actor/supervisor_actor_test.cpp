#define CAF_SUITE supervisor_actor
#include "actor/dsl.hpp"

// The supervisor (actors/supervisor.cpp) with a fake bus and its real
// children (which cannot be stubbed): what is observable is what the bus
// sees (rebinds, AddSettings, exports, withdrawals) and the supervisor's
// and health's state. Covered: the start exports the main service and each
// virtual battery; a reload that removes a virtual battery withdraws it; a
// new serviceName withdraws the old name and exports the new one; a crash
// (of the bank, of a virtual battery) restarts everything and health
// counts it.

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "actor/fake_bus.hpp"
#include "actor/strict_stub.hpp"
#include "actors/health.hpp"
#include "actors/supervisor.hpp"
#include "messages/messages.hpp"

using namespace ba;
using namespace ba::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* own = "com.victronenergy.battery.aggregator";
constexpr const char* par = "com.victronenergy.battery.vpar";
constexpr const char* ser = "com.victronenergy.battery.vser";

struct fixture : test_coordinator_fixture<> {
  fake_bus bus;
  config cfg;
  caf::actor sup;

  fixture() {
    cfg.startup_battery_wait = 1;
    virtual_battery p;
    p.service = par;
    p.kind = topology::parallel;
    p.members = {{"com.victronenergy.battery.a", {}, true}};
    virtual_battery s;
    s.service = ser;
    s.kind = topology::series;
    s.members = {{"com.victronenergy.battery.c", {}, true}};
    cfg.virtual_batteries = {p, s};
    // Health's minute is out of the way (an hour).
    sup = sys.spawn(supervisor_actor, cfg, &bus, caf::timespan{1h});
    sched.run();
  }

  ~fixture() override {
    check_no_unexpected();
    caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
    sched.run();
  }

  supervisor_state& st() {
    return deref<caf::stateful_actor<supervisor_state>>(sup).state;
  }

  /// Plays the bus after a (re)start: the settings service is announced to
  /// the new discovery, AddSettings answers with the defaults, and the
  /// publishers' start-up wait ends. Returns the services exported.
  std::set<std::string> register_all() {
    auto exports = bus.exports.size();
    auto calls = bus.settings_calls.size();
    caf::anon_send(st().discovery,
                   service_appeared{"com.victronenergy.settings", ":1.1"});
    sched.run();
    CAF_REQUIRE_EQUAL(bus.settings_calls.size(), calls + 1);
    caf::anon_send(st().settings, settings_added{bus.settings_calls.back()});
    sched.run();
    advance_time(1s);
    sched.run();
    std::set<std::string> out;
    for (auto i = exports; i < bus.exports.size(); ++i)
      out.insert(bus.exports[i].service);
    return out;
  }

  /// The device instance of the last export of `service`.
  value instance_of(const std::string& service) {
    for (auto i = bus.exports.rbegin(); i != bus.exports.rend(); ++i)
      if (i->service == service)
        return fake_bus::find(i->items, "/DeviceInstance");
    return absent;
  }

  health_state& health() {
    return deref<caf::stateful_actor<health_state>>(st().health).state;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(supervisor_actor_tests, fixture)

CAF_TEST(the start exports the main service and each virtual battery) {
  CAF_REQUIRE_EQUAL(bus.rebinds.size(), 1u);
  CAF_CHECK_EQUAL(bus.rebinds[0], st().discovery);
  CAF_CHECK_EQUAL(st().virtuals.size(), 2u);
  CAF_CHECK_EQUAL(bus.exports.size(), 0u);
  CAF_CHECK_EQUAL(register_all(), (std::set<std::string>{own, par, ser}));
  CAF_CHECK_EQUAL(bus.exports.size(), 3u);
  // One AddSettings for the three, with their preferred instances.
  auto& call = bus.settings_calls.at(0);
  CAF_REQUIRE_EQUAL(call.size(), 6u);
  CAF_CHECK_EQUAL(call[0].path,
                  "/Settings/Devices/BatteryAggregator/ClassAndVrmInstance");
  CAF_CHECK_EQUAL(call[0].current, value::text("battery:1024"));
  CAF_CHECK_EQUAL(call[1].path, "/Settings/Battery/aggregator/CustomName");
  CAF_CHECK_EQUAL(
      call[2].path,
      "/Settings/Devices/BatteryAggregator_vpar/ClassAndVrmInstance");
  CAF_CHECK_EQUAL(call[2].current, value::text("battery:1056"));
  CAF_CHECK_EQUAL(call[4].current, value::text("battery:1057"));
  CAF_CHECK_EQUAL(instance_of(own), value::integer(1024));
  CAF_CHECK_EQUAL(instance_of(par), value::integer(1056));
  CAF_CHECK_EQUAL(instance_of(ser), value::integer(1057));
  CAF_CHECK_EQUAL(bus.withdrawals.size(), 0u);
  CAF_CHECK_EQUAL(st().restarts, 0u);
}

CAF_TEST(a reload without a virtual battery withdraws it) {
  register_all();
  auto old_aggregator = st().aggregator;
  auto next = std::make_shared<config>(cfg);
  next->virtual_batteries.pop_back();
  caf::anon_send(sup, config_ptr{next});
  sched.run();
  CAF_CHECK_EQUAL(bus.withdrawals, std::vector<std::string>{ser});
  // The actors started over (a reload is no restart for health).
  CAF_CHECK_EQUAL(bus.rebinds.size(), 2u);
  CAF_CHECK_NOT_EQUAL(st().aggregator, old_aggregator);
  CAF_CHECK_EQUAL(st().virtuals.size(), 1u);
  CAF_CHECK_EQUAL(st().restarts, 0u);
  CAF_CHECK_EQUAL(health().aggregator, st().aggregator);
  // What stays is exported again (taken over) with its instance.
  CAF_CHECK_EQUAL(register_all(), (std::set<std::string>{own, par}));
  CAF_CHECK_EQUAL(instance_of(par), value::integer(1056));
}

CAF_TEST(a reload that changes nothing of the structure restarts nothing) {
  register_all();
  auto agg = st().aggregator;
  auto next = std::make_shared<config>(cfg);
  next->stale_timeout = 30;
  caf::anon_send(sup, config_ptr{next});
  sched.run();
  CAF_CHECK_EQUAL(st().aggregator, agg);
  CAF_CHECK_EQUAL(bus.rebinds.size(), 1u);
  CAF_CHECK_EQUAL(bus.withdrawals.size(), 0u);
  CAF_CHECK_EQUAL(st().cfg.stale_timeout, 30.0);
}

CAF_TEST(a new service name withdraws the old one and exports the new) {
  register_all();
  auto next = std::make_shared<config>(cfg);
  next->service_name = "com.victronenergy.battery.house";
  caf::anon_send(sup, config_ptr{next});
  sched.run();
  CAF_CHECK_EQUAL(bus.withdrawals, std::vector<std::string>{own});
  CAF_CHECK_EQUAL(bus.rebinds.size(), 2u);
  CAF_CHECK_EQUAL(
      register_all(),
      (std::set<std::string>{"com.victronenergy.battery.house", par, ser}));
  // Same device key, so the same instance; the name by the new suffix.
  auto& call = bus.settings_calls.back();
  CAF_REQUIRE(call.size() >= 2u);
  CAF_CHECK_EQUAL(call[1].path, "/Settings/Battery/house/CustomName");
  CAF_CHECK_EQUAL(instance_of("com.victronenergy.battery.house"),
                  value::integer(1024));
}

CAF_TEST(a crashed bank restarts every actor and health counts it) {
  register_all();
  auto old = st();
  caf::anon_send(sup, crash_atom::value);
  sched.run();
  CAF_CHECK_EQUAL(st().restarts, 1u);
  CAF_CHECK_EQUAL(bus.rebinds.size(), 2u);
  CAF_CHECK_EQUAL(bus.rebinds.back(), st().discovery);
  for (auto& [before, now] : {std::pair{old.aggregator, st().aggregator},
                              std::pair{old.publisher, st().publisher},
                              std::pair{old.settings, st().settings},
                              std::pair{old.discovery, st().discovery},
                              std::pair{old.virtuals[0], st().virtuals[0]}})
    CAF_CHECK_NOT_EQUAL(before, now);
  // Health stays, told whom to ask now and the count.
  CAF_CHECK_EQUAL(st().health, old.health);
  CAF_CHECK_EQUAL(health().restarts, 1u);
  CAF_CHECK_EQUAL(health().aggregator, st().aggregator);
  CAF_CHECK_EQUAL(health().publisher, st().publisher);
  // The new publishers take the services over as soon as they have their
  // instances (no start-up wait after a restart).
  CAF_CHECK_EQUAL(register_all(), (std::set<std::string>{own, par, ser}));
  CAF_CHECK_EQUAL(bus.withdrawals.size(), 0u);
}

CAF_TEST(a crashed virtual battery restarts every actor too) {
  auto old_vb = st().virtuals.at(1);
  auto old_agg = st().aggregator;
  caf::anon_send_exit(old_vb, caf::exit_reason::kill);
  sched.run();
  CAF_CHECK_EQUAL(st().restarts, 1u);
  CAF_CHECK_NOT_EQUAL(st().virtuals.at(1), old_vb);
  CAF_CHECK_NOT_EQUAL(st().aggregator, old_agg);
  CAF_CHECK_EQUAL(health().restarts, 1u);
  // A second crash counts again.
  caf::anon_send(sup, crash_atom::value);
  sched.run();
  CAF_CHECK_EQUAL(st().restarts, 2u);
  CAF_CHECK_EQUAL(health().restarts, 2u);
  CAF_CHECK_EQUAL(bus.rebinds.size(), 3u);
}

CAF_TEST_FIXTURE_SCOPE_END()
