#define CAF_SUITE virtual_battery_actor
#include "actor/dsl.hpp"

// The virtual battery actor (actors/virtual_battery.cpp) with strict stubs
// for its publisher and its router (the main aggregator), for a parallel and
// a series virtual battery: member snapshots and states become the computed
// values for the publisher and a member update and state for the router; a
// lost member keeps counting for reconnectTimeout, then is reported missing
// (/Alarms/ParallelBmsLost); a removed member; a restarted battery computes
// nothing until the router's `ready_atom`.

#include <chrono>
#include <string>

#include "actor/strict_stub.hpp"
#include "actors/virtual_battery.hpp"
#include "messages/messages.hpp"
#include "tests/unit/rule_test_support.hpp"

using namespace ba;
using namespace ba::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* par = "com.victronenergy.battery.vpar";
constexpr const char* ser = "com.victronenergy.battery.vser";
constexpr const char* bat_a = "com.victronenergy.battery.a";
constexpr const char* bat_b = "com.victronenergy.battery.b";
constexpr const char* bat_c = "com.victronenergy.battery.c";
constexpr const char* bat_d = "com.victronenergy.battery.d";

using stub = caf::stateful_actor<stub_state>;

value_map pack(double v, double i, double soc, const char* serial) {
  return {{"/Dc/0/Voltage", value::real(v)},
          {"/Dc/0/Current", value::real(i)},
          {"/Soc", value::real(soc)},
          {"/InstalledCapacity", value::real(100)},
          {"/Serial", value::text(serial)},
          {"/Connected", value::integer(1)}};
}

struct fixture : test_coordinator_fixture<> {
  config cfg;
  caf::actor publisher;
  caf::actor router;
  caf::actor vb;

  fixture() {
    cfg.reconnect_timeout = 10;
    virtual_battery p;
    p.service = par;
    p.kind = topology::parallel;
    p.members = {{bat_a, {}, true}, {bat_b, {}, true}};
    virtual_battery s;
    s.service = ser;
    s.kind = topology::series;
    s.members = {{bat_c, {}, true}, {bat_d, {}, true}};
    cfg.virtual_batteries = {p, s};
    publisher
        = sys.spawn(strict_stub<publish_values>, std::string{"publisher stub"});
    router = sys.spawn(strict_stub<member_update, member_state>,
                       std::string{"router stub"});
  }

  ~fixture() override {
    check_no_unexpected();
    for (auto& a : {vb, publisher, router})
      if (a)
        caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// Spawns virtual battery `index` of the config.
  void start(size_t index, bool hold = false) {
    vb = sys.spawn(virtual_battery_actor, cfg, index, publisher, router, hold);
    sched.run();
  }

  /// The publisher stub's last values at `path`, or `absent`.
  value pub(const std::string& path) {
    return at(last_of<publish_values>(deref<stub>(publisher)).values, path);
  }

  size_t published() {
    return count_of<publish_values>(deref<stub>(publisher));
  }

  /// `service` is read (snapshot) and then online, while the battery is
  /// not holding: the first message makes it compute (the member does not
  /// count yet), the second counts it.
  void member_online(const char* service, value_map values) {
    inject((member_update), from(self).to(vb).with(member_update{
                                service, std::move(values), true}));
    inject((member_state), from(self).to(vb).with(member_state{
                               service, member_status::online, ""}));
  }

  /// What the battery sends when it computed a new output: the values to
  /// its publisher, and itself as a member (snapshot) to the router.
  void expect_output(const char* service) {
    expect((publish_values), from(vb).to(publisher));
    expect((member_update), from(vb).to(router));
    CAF_CHECK_EQUAL(last_of<member_update>(deref<stub>(router)).service,
                    service);
    CAF_CHECK(last_of<member_update>(deref<stub>(router)).snapshot);
  }

  void expect_state(const char* service, member_status s, const char* why) {
    expect((member_state),
           from(vb).to(router).with(member_state{service, s, why}));
  }

  /// A parallel battery with both members online.
  void parallel_online() {
    start(0);
    inject((member_update), from(self).to(vb).with(member_update{
                                bat_a, pack(52.0, 10.0, 80, "A1"), true}));
    // Nothing counts yet: an empty bank, not online.
    expect_output(par);
    expect_state(par, member_status::stale, "members missing");
    inject((member_state), from(self).to(vb).with(
                               member_state{bat_a, member_status::online, ""}));
    expect_output(par);
    expect_state(par, member_status::online, "");
    // b's snapshot alone changes nothing (it does not count yet).
    member_online(bat_b, pack(52.2, 5.0, 60, "B1"));
    expect_output(par);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(virtual_battery_actor_tests, fixture)

CAF_TEST(a parallel battery publishes its members combined) {
  parallel_online();
  CAF_CHECK_EQUAL(pub("/System/NrOfBatteries"), value::integer(2));
  CAF_CHECK_EQUAL(pub("/Dc/0/Current"), value::real(15.0));
  CAF_CHECK_EQUAL(pub("/Dc/0/Voltage"), value::real(52.1));
  CAF_CHECK_EQUAL(pub("/Soc"), value::real(70.0));
  // Member pages, numbered by service name.
  CAF_CHECK_EQUAL(pub("/Battery/1/Serial"), value::text("A1"));
  CAF_CHECK_EQUAL(pub("/Battery/2/Serial"), value::text("B1"));
  CAF_CHECK_EQUAL(pub("/Alarms/ParallelBmsLost"), value::integer(0));
  // The router gets the same values without the member pages.
  auto as_member = last_of<member_update>(deref<stub>(router)).values;
  CAF_CHECK_EQUAL(at(as_member, "/Dc/0/Current"), value::real(15.0));
  CAF_CHECK_EQUAL(at(as_member, "/Battery/1/Serial"), absent);
  // A delta of one member: recomputed, sent whole.
  inject((member_update), from(self).to(vb).with(member_update{
                              bat_b, {{"/Dc/0/Current", value::real(-5.0)}}}));
  expect_output(par);
  CAF_CHECK_EQUAL(pub("/Dc/0/Current"), value::real(5.0));
  CAF_CHECK_EQUAL(pub("/Soc"), value::real(70.0));
  // The same value again changes nothing: nothing sent.
  inject((member_update), from(self).to(vb).with(member_update{
                              bat_b, {{"/Dc/0/Current", value::real(-5.0)}}}));
  disallow((publish_values), from(vb).to(publisher));
  disallow((member_update), from(vb).to(router));
}

CAF_TEST(a lost member is held for reconnectTimeout then reported missing) {
  parallel_online();
  auto before = published();
  inject((member_state), from(self).to(vb).with(member_state{
                             bat_b, member_status::lost, "left the bus"}));
  // Inside the grace: still counted with its last values.
  disallow((publish_values), from(vb).to(publisher));
  disallow((member_state), from(vb).to(router));
  CAF_CHECK_EQUAL(published(), before);
  CAF_CHECK_EQUAL(advance_time(9s), 0u);
  CAF_CHECK_EQUAL(advance_time(1s), 1u);
  expect((grace_over), from(vb).to(vb).with(grace_over{bat_b, 2}));
  expect_output(par);
  CAF_CHECK_EQUAL(pub("/System/NrOfBatteries"), value::integer(1));
  CAF_CHECK_EQUAL(pub("/Dc/0/Current"), value::real(10.0));
  CAF_CHECK_EQUAL(pub("/Alarms/ParallelBmsLost"), value::integer(2));
  // A page gone is sent as invalid (so the bus clears it).
  CAF_CHECK_EQUAL(pub("/Battery/2/Serial"), value::invalid());
  // One member left: the battery itself still counts (no new state).
  disallow((member_state), from(vb).to(router));
}

CAF_TEST(a member back inside its grace cancels the expiry) {
  parallel_online();
  inject((member_state), from(self).to(vb).with(member_state{
                             bat_b, member_status::stale, "silent"}));
  CAF_CHECK_EQUAL(advance_time(5s), 0u);
  inject((member_state), from(self).to(vb).with(
                             member_state{bat_b, member_status::online, ""}));
  // (The limit explanation's member ages moved: a new output.)
  allow((publish_values), from(vb).to(publisher));
  allow((member_update), from(vb).to(router));
  CAF_CHECK_EQUAL(advance_time(5s), 1u);
  // The timer of the stale state (generation 2) is outdated: b stays.
  expect((grace_over), from(vb).to(vb).with(grace_over{bat_b, 2}));
  disallow((publish_values), from(vb).to(publisher));
  CAF_CHECK_EQUAL(pub("/System/NrOfBatteries"), value::integer(2));
  CAF_CHECK_EQUAL(pub("/Alarms/ParallelBmsLost"), value::integer(0));
}

CAF_TEST(a removed member no longer counts at once) {
  parallel_online();
  inject((member_removed), from(self).to(vb).with(member_removed{bat_a}));
  expect_output(par);
  CAF_CHECK_EQUAL(pub("/System/NrOfBatteries"), value::integer(1));
  CAF_CHECK_EQUAL(pub("/Dc/0/Current"), value::real(5.0));
  CAF_CHECK_EQUAL(pub("/Battery/1/Serial"), value::text("B1"));
  // It counted before: missing from the battery's own roster.
  CAF_CHECK_EQUAL(pub("/Alarms/ParallelBmsLost"), value::integer(2));
  // Removing what is not there computes nothing.
  inject((member_removed), from(self).to(vb).with(member_removed{bat_a}));
  disallow((publish_values), from(vb).to(publisher));
}

CAF_TEST(a series battery sums voltages and counts only when complete) {
  start(1);
  member_online(bat_c, pack(26.0, 10.0, 80, "C1"));
  expect_output(ser);
  expect_state(ser, member_status::stale, "members missing");
  expect_output(ser);
  member_online(bat_d, pack(26.2, 10.4, 60, "D1"));
  expect_output(ser);
  expect_state(ser, member_status::online, "");
  CAF_CHECK_EQUAL(pub("/Dc/0/Voltage"), value::real(52.2));
  CAF_CHECK_EQUAL(pub("/Dc/0/Current"), value::real(10.2));
  CAF_CHECK_EQUAL(pub("/Soc"), value::real(60.0));
  CAF_CHECK_EQUAL(pub("/Battery/1/Serial"), value::text("C1"));
  CAF_CHECK_EQUAL(pub("/Battery/2/Serial"), value::text("D1"));
  // A member lost takes the string out once its grace is over.
  inject((member_state), from(self).to(vb).with(member_state{
                             bat_d, member_status::lost, "left the bus"}));
  CAF_CHECK_EQUAL(advance_time(10s), 1u);
  expect((grace_over), from(vb).to(vb));
  expect_output(ser);
  expect_state(ser, member_status::stale, "members missing");
  CAF_CHECK_EQUAL(pub("/Battery/2/Serial"), value::invalid());
}

CAF_TEST(a restarted battery publishes nothing until ready) {
  start(0, true);
  inject((member_update), from(self).to(vb).with(member_update{
                              bat_a, pack(52.0, 10.0, 80, "A1"), true}));
  inject((member_state), from(self).to(vb).with(
                             member_state{bat_a, member_status::online, ""}));
  member_online(bat_b, pack(52.2, 5.0, 60, "B1"));
  disallow((publish_values), from(vb).to(publisher));
  disallow((member_update), from(vb).to(router));
  disallow((member_state), from(vb).to(router));
  CAF_CHECK_EQUAL(published(), 0u);
  // Released: one complete output, and its state.
  inject((ready_atom), from(self).to(vb).with(ready_atom::value));
  expect_output(par);
  expect_state(par, member_status::online, "");
  CAF_CHECK_EQUAL(published(), 1u);
  CAF_CHECK_EQUAL(pub("/System/NrOfBatteries"), value::integer(2));
  CAF_CHECK_EQUAL(pub("/Dc/0/Current"), value::real(15.0));
  // A second ready changes nothing.
  inject((ready_atom), from(self).to(vb).with(ready_atom::value));
  disallow((publish_values), from(vb).to(publisher));
}

CAF_TEST_FIXTURE_SCOPE_END()
