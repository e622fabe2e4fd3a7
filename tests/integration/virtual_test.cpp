// Virtual batteries end to end (product.md §3, §2.5 for their identity):
// merge pairs of a BMS and its shunt, a 2S2P bank of series strings in the
// main parallel bank, a string that loses a pack, hooks, the consumer-probe
// conformance of venus-dbus.md §8.4 on every virtual service, and their
// device instances.
//
// Ordering inside each test: the main aggregate is polled first, then the
// virtual services are required. When the virtual services never appear,
// the main bank's values are the most useful symptom (the members must not
// simply vanish), and the test then stops at once instead of waiting out a
// poll per missing value.

#define CAF_SUITE virtual
#include <caf/test/unit_test.hpp>

#include "tests/integration/conformance_checks.hpp"
#include "tests/integration/polling.hpp"
#include "tests/integration/scenario.hpp"
#include "tests/integration/text.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace ba::test;

namespace {

const std::string agg = aggregator_name;
const std::string prefix = "com.victronenergy.battery.";

void check_invalid(bus_client& c, const std::string& service,
                   const std::string& path) {
  auto v = poll_value(c, service, path,
                      [](const wire_value& x) { return x.is_invalid(); });
  if (!v.is_invalid())
    CAF_MESSAGE(service << " " << path << " is " << v << ", expected invalid");
  CAF_CHECK(v.is_invalid());
}

/// The identity of a virtual battery (product.md §3, §2.5).
void check_identity(bus_client& c, const std::string& service) {
  CAF_CHECK_EQUAL(c.get_value(service, "/ProductName"),
                  wire_value::str("Virtual Battery"));
  CAF_CHECK_EQUAL(c.get_value(service, "/Mgmt/Connection"),
                  wire_value::str("Virtual"));
  CAF_CHECK_EQUAL(c.get_value(service, "/Connected"), wire_value::int32(1));
  auto instance = c.get_value(service, "/DeviceInstance");
  CAF_CHECK_EQUAL(instance.signature, "i");
  CAF_CHECK(instance.valid());
}

std::string instance_setting(const std::string& service) {
  return "/Settings/Devices/BatteryAggregator_" + service.substr(prefix.size())
         + "/ClassAndVrmInstance";
}

std::string custom_name_setting(const std::string& service) {
  return "/Settings/Battery/" + service.substr(prefix.size()) + "/CustomName";
}

// -- (a) and (b): the banks ---------------------------------------------------

const std::string vbank_one = prefix + "vbank_one";
const std::string vbank_two = prefix + "vbank_two";
const std::string bms_one = prefix + "vt_bms_one";
const std::string shunt_one = prefix + "vt_shunt_one";
const std::string bms_two = prefix + "vt_bms_two";
const std::string shunt_two = prefix + "vt_shunt_two";

/// A BMS that does not measure the current (invalid), so that its shunt,
/// listed after it, provides it: a path the first listed source lacks
/// falls to the next (merge rule).
std::vector<std::string> bms_args(double soc, double voltage) {
  return set_args({{"/Soc", d_arg(soc)},
                   {"/Dc/0/Voltage", d_arg(voltage)},
                   {"/Dc/0/Current", "null"},
                   {"/Dc/0/Power", "null"}});
}

/// A shunt: only /Dc/0/* and /Soc, its SoC deliberately different from the
/// BMS so that the check tells which one won.
std::vector<std::string> shunt_args(double soc, double current) {
  auto args = set_args({{"/Soc", d_arg(soc)},
                        {"/Dc/0/Current", d_arg(current)},
                        {"/Dc/0/Voltage", d_arg(52.0)}});
  args.insert(args.begin(), "--minimal");
  return args;
}

/// One 24 V pack of the 2S2P bank.
struct pack_values {
  double voltage;
  double current;
  double power;
  double soc;
  double installed;
  double capacity;
  double ccl;
  double dcl;
  double cvl;
  double low_voltage;
};

std::vector<std::string> pack_args(const pack_values& p) {
  return set_args({{"/Dc/0/Voltage", d_arg(p.voltage)},
                   {"/Dc/0/Current", d_arg(p.current)},
                   {"/Dc/0/Power", d_arg(p.power)},
                   {"/Soc", d_arg(p.soc)},
                   {"/InstalledCapacity", d_arg(p.installed)},
                   {"/Capacity", d_arg(p.capacity)},
                   {"/Info/MaxChargeCurrent", d_arg(p.ccl)},
                   {"/Info/MaxDischargeCurrent", d_arg(p.dcl)},
                   {"/Info/MaxChargeVoltage", d_arg(p.cvl)},
                   {"/Info/BatteryLowVoltage", d_arg(p.low_voltage)}});
}

const std::string string_one = prefix + "vt_string_one";
const std::string string_two = prefix + "vt_string_two";
const std::string pack_1a = prefix + "vt_pack_1a";
const std::string pack_1b = prefix + "vt_pack_1b";
const std::string pack_2a = prefix + "vt_pack_2a";
const std::string pack_2b = prefix + "vt_pack_2b";

// String one: 100 Ah packs; string two: 200 Ah packs, so that the main
// bank's capacity shares differ (1/3 and 2/3).
const pack_values p1a{26.0, -10.0, -260, 80, 100, 80, 50, 100, 28.4, 22.0};
const pack_values p1b{26.2, -10.2, -267, 78, 100, 78, 40, 90, 28.8, 22.5};
const pack_values p2a{26.1, -5.0, -130, 60, 200, 120, 90, 150, 28.5, 21.5};
const pack_values p2b{26.3, -5.4, -142, 64, 200, 128, 100, 160, 28.6, 22.0};

std::string series_config() {
  return R"({"virtualBatteries": {")" + string_one
         + R"(": {"topology": "series", "members": [")" + pack_1a + R"(", ")"
         + pack_1b + R"("]}, ")" + string_two
         + R"(": {"topology": "series", "members": [")" + pack_2a + R"(", ")"
         + pack_2b + R"("]}}, )" + quick_config_keys + "}";
}

/// Starts the four packs and the daemon with the two strings.
void start_2s2p(scenario& s) {
  s.start_battery(pack_1a, pack_args(p1a));
  s.start_battery(pack_1b, pack_args(p1b));
  s.start_battery(pack_2a, pack_args(p2a));
  s.start_battery(pack_2b, pack_args(p2b));
  start_aggregator(s, series_config());
}

/// String one, both packs present: V 26.0 + 26.2; I mean of -10 and -10.2;
/// P -260 - 267; SoC, capacities, CCL, DCL the minima; CVL 28.4 + 28.8;
/// low voltage 22 + 22.5.
void check_string_one(bus_client& c) {
  check_d(c, string_one, "/Dc/0/Voltage", 52.2);
  check_d(c, string_one, "/Dc/0/Current", -10.1);
  check_d(c, string_one, "/Dc/0/Power", -527);
  check_d(c, string_one, "/Soc", 78);
  check_d(c, string_one, "/InstalledCapacity", 100);
  check_d(c, string_one, "/Capacity", 78);
  check_d(c, string_one, "/Info/MaxChargeCurrent", 40);
  check_d(c, string_one, "/Info/MaxDischargeCurrent", 90);
  check_d(c, string_one, "/Info/MaxChargeVoltage", 57.2);
  check_d(c, string_one, "/Info/BatteryLowVoltage", 44.5);
  CAF_CHECK_EQUAL(c.get_value(string_one, "/Io/AllowToCharge"),
                  wire_value::int32(1));
  CAF_CHECK_EQUAL(c.get_value(string_one, "/Io/AllowToDischarge"),
                  wire_value::int32(1));
  CAF_CHECK_EQUAL(c.get_value(string_one, "/System/BatteriesSeries"),
                  wire_value::int32(2));
}

/// String two: V 26.1 + 26.3; I mean of -5 and -5.4; P -130 - 142; the
/// minima; CVL 28.5 + 28.6; low voltage 21.5 + 22.
void check_string_two(bus_client& c) {
  check_d(c, string_two, "/Dc/0/Voltage", 52.4);
  check_d(c, string_two, "/Dc/0/Current", -5.2);
  check_d(c, string_two, "/Dc/0/Power", -272);
  check_d(c, string_two, "/Soc", 60);
  check_d(c, string_two, "/InstalledCapacity", 200);
  check_d(c, string_two, "/Capacity", 120);
  check_d(c, string_two, "/Info/MaxChargeCurrent", 90);
  check_d(c, string_two, "/Info/MaxDischargeCurrent", 150);
  check_d(c, string_two, "/Info/MaxChargeVoltage", 57.1);
  check_d(c, string_two, "/Info/BatteryLowVoltage", 43.5);
  CAF_CHECK_EQUAL(c.get_value(string_two, "/Io/AllowToCharge"),
                  wire_value::int32(1));
  CAF_CHECK_EQUAL(c.get_value(string_two, "/System/BatteriesSeries"),
                  wire_value::int32(2));
}

/// The main bank over both strings (product.md §2.1, §2.3, §2.4): mean V,
/// summed I, P and capacities, capacity-weighted SoC (78·100 + 60·200) /
/// 300 = 66; CCL by capacity shares r = 300/100 = 3 and 300/200 = 1.5:
/// min(40·3, 90·1.5) = 120; DCL min(90·3, 150·1.5) = 225; CVL: nobody
/// balances, so the lower string CVL, 57.1; a parallel bank: series 1.
void check_main_2s2p(bus_client& c) {
  check_d(c, agg, "/Dc/0/Voltage", 52.3);
  check_d(c, agg, "/Dc/0/Current", -15.3);
  check_d(c, agg, "/Dc/0/Power", -799);
  check_d(c, agg, "/Soc", 66);
  check_d(c, agg, "/InstalledCapacity", 300);
  check_d(c, agg, "/Capacity", 198);
  check_d(c, agg, "/Info/MaxChargeCurrent", 120);
  check_d(c, agg, "/Info/MaxDischargeCurrent", 225);
  check_d(c, agg, "/Info/MaxChargeVoltage", 57.1);
  CAF_CHECK_EQUAL(c.get_value(agg, "/System/BatteriesSeries"),
                  wire_value::int32(1));
  CAF_CHECK_EQUAL(c.get_value(agg, "/System/BatteriesParallel"),
                  wire_value::int32(2));
}

// -- (e): conformance helpers, adapted from conformance_test -----------------

/// §8.4 items 2, 3 and 5 on `service`.
void check_shape(bus_client& c, const std::string& service) {
  CAF_MESSAGE("shape of " << service);
  CAF_CHECK_EQUAL(c.reply_signature(service, "/", "GetItems"), "a{sa{sv}}");
  auto before = c.get_items(service);
  BA_REQUIRE(!before.empty());
  for (const auto& [path, entry] : before) {
    CAF_CHECK_EQUAL(path.substr(0, 1), "/");
    CAF_CHECK(!entry.first.absent());
    CAF_CHECK_EQUAL(entry.second.signature, "s");
    if (entry.first.absent() || entry.second.signature != "s")
      CAF_MESSAGE("bad entry " << path << ": Value " << entry.first << ", Text "
                               << entry.second);
  }
  for (const auto& path : mandatory_paths())
    CAF_CHECK_EQUAL(before.count(path), 1u);

  check_root_dicts(c, service);

  CAF_CHECK_EQUAL(
      bus_client::call_error([&] { c.get_value(service, "/Does/Not/Exist"); }),
      "org.freedesktop.DBus.Error.UnknownObject");
  CAF_CHECK_EQUAL(
      bus_client::call_error([&] { c.get_text(service, "/Dc/0/Nothing"); }),
      "org.freedesktop.DBus.Error.UnknownObject");
}

/// §8.4 item 6 on `service`: read-only paths refuse, /CustomName is
/// accepted, signalled and persisted at the virtual battery's own key.
void check_set_value(bus_client& c, const std::string& service,
                     const std::string& name) {
  CAF_MESSAGE("SetValue on " << service);
  auto product = c.get_value(service, "/ProductName");
  CAF_CHECK_NOT_EQUAL(
      c.set_value(service, "/ProductName", wire_value::str("Hacked")), 0);
  CAF_CHECK_EQUAL(c.get_value(service, "/ProductName"), product);
  auto instance = c.get_value(service, "/DeviceInstance");
  CAF_CHECK_NOT_EQUAL(
      c.set_value(service, "/DeviceInstance", wire_value::int32(5)), 0);
  CAF_CHECK_EQUAL(c.get_value(service, "/DeviceInstance"), instance);

  auto mark = c.mark();
  CAF_CHECK_EQUAL(c.set_value(service, "/CustomName", wire_value::str(name)),
                  0);
  auto sig = c.wait_for_items_changed(
      service, [](const recorded_signal& r) { return r.has("/CustomName"); },
      eventually, mark);
  CAF_CHECK(sig.has_value());
  if (sig)
    CAF_CHECK_EQUAL(sig->value("/CustomName"), wire_value::str(name));
  CAF_CHECK_EQUAL(c.get_value(service, "/CustomName"), wire_value::str(name));
  CAF_CHECK_EQUAL(poll_value(c, settings_name, custom_name_setting(service),
                             equals(wire_value::str(name))),
                  wire_value::str(name));
}

// -- (d): hooks ---------------------------------------------------------------

const std::string vhooked = prefix + "vt_hooked";
const std::string hook_pack = prefix + "vt_hook_pack";

} // namespace

// (a) product.md §4.1's third example with our own names: each virtual
// battery merges a BMS and its shunt; the main bank counts the two virtual
// batteries, not their sources.
CAF_TEST(two merge virtual batteries of a BMS and its shunt) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    s.start_battery(bms_one, bms_args(80, 52.4));
    s.start_battery(shunt_one, shunt_args(77, -12));
    s.start_battery(bms_two, bms_args(60, 52.6));
    s.start_battery(shunt_two, shunt_args(61, -8));
    start_aggregator(s, R"({"virtualBatteries": {")" + vbank_one + R"(": [")"
                            + bms_one + R"(", ")" + shunt_one + R"("], ")"
                            + vbank_two + R"(": [")" + bms_two + R"(", ")"
                            + shunt_two + R"("]}, )" + quick_config_keys + "}");
    // Main bank: the two virtual batteries, each 100 Ah (the BMS's), so
    // the SoC is the plain mean of 80 and 60; the current is the sum of the
    // shunts' currents, each counted once.
    check_count(c, agg, 2);
    check_batteries(c, agg, {vbank_one, vbank_two});
    check_d(c, agg, "/Dc/0/Current", -20);
    check_d(c, agg, "/Soc", 70);
    check_d(c, agg, "/Dc/0/Voltage", 52.5);
    check_d(c, agg, "/InstalledCapacity", 200);
    BA_REQUIRE(wait_for_services(c, {vbank_one, vbank_two}, 10s));

    // Per path the first valid value in config order: SoC and voltage from
    // the BMS, the current from the shunt because the BMS has none.
    check_d(c, vbank_one, "/Soc", 80);
    check_d(c, vbank_one, "/Dc/0/Voltage", 52.4);
    check_d(c, vbank_one, "/Dc/0/Current", -12);
    check_d(c, vbank_one, "/InstalledCapacity", 100);
    check_d(c, vbank_two, "/Soc", 60);
    check_d(c, vbank_two, "/Dc/0/Voltage", 52.6);
    check_d(c, vbank_two, "/Dc/0/Current", -8);
    for (auto* v : {&vbank_one, &vbank_two})
      check_identity(c, *v);

    // The shunt's changes flow through its virtual battery to the bank.
    BA_REQUIRE_EQUAL(
        c.sim_set_items(shunt_one, {{"/Dc/0/Current", wire_value::dbl(-14)}}),
        0);
    check_d(c, vbank_one, "/Dc/0/Current", -14);
    check_d(c, agg, "/Dc/0/Current", -22);
    // Once the BMS measures a current itself it wins: it is listed first.
    BA_REQUIRE_EQUAL(
        c.sim_set_items(bms_one, {{"/Dc/0/Current", wire_value::dbl(-13)}}), 0);
    check_d(c, vbank_one, "/Dc/0/Current", -13);
    check_d(c, agg, "/Dc/0/Current", -21);
    // The sources never join the main bank themselves.
    CAF_CHECK(holds_for(
        [&] {
          return c.get_value(agg, "/System/NrOfBatteries")
                 == wire_value::int32(2);
        },
        500ms));
  });
}

// (b) Two series strings of two 24 V packs each, in the main parallel bank.
CAF_TEST(a 2S2P bank of two series strings) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    start_2s2p(s);
    check_count(c, agg, 2);
    check_batteries(c, agg, {string_one, string_two});
    check_main_2s2p(c);
    BA_REQUIRE(wait_for_services(c, {string_one, string_two}, 10s));
    check_string_one(c);
    check_string_two(c);
    for (auto* v : {&string_one, &string_two}) {
      check_identity(c, *v);
      CAF_CHECK_EQUAL(c.get_value(*v, "/System/NrOfBatteries"),
                      wire_value::int32(2));
    }
    // A pack refusing to charge blocks its whole string (AND), which
    // leaves the bank's charge limit to the other string alone: 90 x 1.
    BA_REQUIRE_EQUAL(
        c.sim_set_items(pack_1b, {{"/Io/AllowToCharge", wire_value::int32(0)}}),
        0);
    CAF_CHECK_EQUAL(poll_value(c, string_one, "/Io/AllowToCharge",
                               equals(wire_value::int32(0))),
                    wire_value::int32(0));
    check_d(c, agg, "/Info/MaxChargeCurrent", 90);
    check_d(c, agg, "/Info/MaxDischargeCurrent", 225);
  });
}

// (c) One pack of string one quits: the string is stale (invalid
// measurements, zero limits) but stays on the bus; the main bank goes on
// with string two alone; the pack's return restores both.
CAF_TEST(a series string that loses a pack goes stale) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    start_2s2p(s);
    check_count(c, agg, 2);
    check_d(c, agg, "/Info/MaxChargeCurrent", 120);
    BA_REQUIRE(wait_for_services(c, {string_one, string_two}, 10s));
    check_d(c, string_one, "/Dc/0/Voltage", 52.2);
    // The string's own packs on the GX's "Individual Battery Info" page,
    // by service name (gx-native.md 1).
    CAF_CHECK_EQUAL(c.get_value(string_one, "/Battery/Request/Id"),
                    wire_value::int32(1));
    CAF_CHECK_EQUAL(c.get_value(string_one, "/Battery/1/Serial"),
                    wire_value::str("SIM-vt_pack_1a"));
    check_d(c, string_one, "/Battery/1/Voltage", p1a.voltage);
    check_d(c, string_one, "/Battery/2/Voltage", p1b.voltage);
    CAF_CHECK_EQUAL(c.get_value(string_one, "/Alarms/ParallelBmsLost"),
                    wire_value::int32(0));
    auto mark = mark_after_claims(c, {agg, string_one, string_two});

    c.sim_quit(pack_1b);
    BA_REQUIRE(c.wait_for_no_owner(pack_1b, eventually));
    // A pack lost: its page leaves the list, the string says so.
    CAF_CHECK_EQUAL(poll_value(c, string_one, "/Alarms/ParallelBmsLost",
                               equals(wire_value::int32(2))),
                    wire_value::int32(2));
    check_invalid(c, string_one, "/Battery/2/Serial");
    check_d(c, string_one, "/Battery/1/Voltage", p1a.voltage);
    check_invalid(c, string_one, "/Dc/0/Voltage");
    check_invalid(c, string_one, "/Dc/0/Current");
    check_invalid(c, string_one, "/Soc");
    check_d(c, string_one, "/Info/MaxChargeCurrent", 0);
    check_d(c, string_one, "/Info/MaxDischargeCurrent", 0);
    CAF_CHECK_EQUAL(c.get_value(string_one, "/System/BatteriesSeries"),
                    wire_value::int32(2));
    // The main bank: string two alone, its limits with a share of 1.
    check_count(c, agg, 1);
    check_d(c, agg, "/Dc/0/Voltage", 52.4);
    check_d(c, agg, "/Dc/0/Current", -5.2);
    check_d(c, agg, "/Soc", 60);
    check_d(c, agg, "/InstalledCapacity", 200);
    check_d(c, agg, "/Info/MaxChargeCurrent", 90);
    check_d(c, agg, "/Info/MaxDischargeCurrent", 150);
    check_d(c, agg, "/Info/MaxChargeVoltage", 57.1);
    // String two is untouched.
    check_string_two(c);

    // The pack comes back: the string and the bank recover.
    s.start_battery(pack_1b, pack_args(p1b));
    check_string_one(c);
    CAF_CHECK_EQUAL(poll_value(c, string_one, "/Alarms/ParallelBmsLost",
                               equals(wire_value::int32(0))),
                    wire_value::int32(0));
    check_d(c, string_one, "/Battery/2/Voltage", p1b.voltage);
    check_count(c, agg, 2);
    check_main_2s2p(c);
    // Nobody left the bus: not the main service, not the stale string.
    for (auto* name : {&agg, &string_one, &string_two})
      CAF_CHECK(no_owner_change(c, *name, mark));
  });
}

// (d) Hooks on a virtual battery (product.md §3): a FixedValueHook pins
// /Soh, another pins the temperature invalid, and the spec's voltage table
// {"12": 10, "13": 15} gives the CCL; the DCL table is written out of order
// to show that thresholds are sorted numerically.
CAF_TEST(FixedValueHook and a voltage indexed CCL table) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    s.start_battery(hook_pack, set_args({{"/Dc/0/Voltage", "d:13.2"},
                                         {"/Dc/0/Current", "d:-4"},
                                         {"/Soh", "d:90"},
                                         {"/Soc", "d:70"},
                                         {"/Info/MaxChargeCurrent", "d:50"},
                                         {"/Info/MaxDischargeCurrent", "d:60"},
                                         {"/Dc/0/Temperature", "d:21"}}));
    start_aggregator(
        s,
        R"({"virtualBatteries": {")" + vhooked
            + R"(": ["class:hooks.FixedValueHook#soh",)"
              R"( "class:hooks.FixedValueHook#notemp",)"
              R"( "class:hooks.CustomChargingHook", ")"
            + hook_pack
            + R"("]}, "classes": {)"
              R"("hooks.FixedValueHook#soh": {"path": "/Soh", "value": 100},)"
              R"( "hooks.FixedValueHook#notemp": {"path": "/Dc/0/Temperature",)"
              R"( "value": null},)"
              R"( "hooks.CustomChargingHook": {"ccls": {"12": 10, "13": 15},)"
              R"( "dcls": {"13": 80, "12.5": 40}}}, )"
            + quick_config_keys + "}");
    // The main bank sees the hooked values through its only member.
    check_count(c, agg, 1);
    check_d(c, agg, "/Soh", 100);
    check_d(c, agg, "/Info/MaxChargeCurrent", 15);
    BA_REQUIRE(wait_for_services(c, {vhooked}, 10s));

    // 13.2 V: CCL 15 (threshold 13), DCL 80 (threshold 13).
    check_d(c, vhooked, "/Dc/0/Voltage", 13.2);
    check_d(c, vhooked, "/Soh", 100);
    check_invalid(c, vhooked, "/Dc/0/Temperature");
    check_d(c, vhooked, "/Soc", 70);
    check_d(c, vhooked, "/Info/MaxChargeCurrent", 15);
    check_d(c, vhooked, "/Info/MaxDischargeCurrent", 80);
    // The member's own /Soh change does not get through the pinned value.
    BA_REQUIRE_EQUAL(
        c.sim_set_items(hook_pack, {{"/Soh", wire_value::dbl(85)},
                                    {"/Dc/0/Voltage", wire_value::dbl(12.6)}}),
        0);
    // 12.6 V: CCL 10 (threshold 12), DCL 40 (threshold 12.5).
    check_d(c, vhooked, "/Info/MaxChargeCurrent", 10);
    check_d(c, vhooked, "/Info/MaxDischargeCurrent", 40);
    check_d(c, vhooked, "/Soh", 100);
    check_d(c, agg, "/Info/MaxChargeCurrent", 10);
    // 12.2 V: CCL 10; below every DCL threshold the hook gives nothing and
    // the pack's own DCL (60) applies.
    BA_REQUIRE_EQUAL(
        c.sim_set_items(hook_pack, {{"/Dc/0/Voltage", wire_value::dbl(12.2)}}),
        0);
    check_d(c, vhooked, "/Info/MaxChargeCurrent", 10);
    check_d(c, vhooked, "/Info/MaxDischargeCurrent", 60);
    // 11.8 V: below every threshold of both tables: the pack's own 50 / 60.
    BA_REQUIRE_EQUAL(
        c.sim_set_items(hook_pack, {{"/Dc/0/Voltage", wire_value::dbl(11.8)}}),
        0);
    check_d(c, vhooked, "/Info/MaxChargeCurrent", 50);
    check_d(c, vhooked, "/Info/MaxDischargeCurrent", 60);
    check_d(c, agg, "/Info/MaxChargeCurrent", 50);
    // Back up to 13.2 V: 15 A again.
    BA_REQUIRE_EQUAL(
        c.sim_set_items(hook_pack, {{"/Dc/0/Voltage", wire_value::dbl(13.2)}}),
        0);
    check_d(c, vhooked, "/Info/MaxChargeCurrent", 15);
  });
}

// (e) venus-dbus.md §8.4 items 1-3, 5 and 6 on each virtual battery's own
// service. The name probe is one-shot, so the daemon is started twice with
// the probe armed for each service in turn; the restart also shows that the
// custom names written in the first run are read back from the settings.
CAF_TEST(each virtual battery service passes the conformance checks) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    const std::string v_one = prefix + "vt_conf_one";
    const std::string v_two = prefix + "vt_conf_two";
    const std::string src_one = prefix + "vt_conf_src_one";
    const std::string src_two = prefix + "vt_conf_src_two";
    auto values = set_args({{"/Dc/0/Voltage", "d:52.3"},
                            {"/Dc/0/Current", "d:-10"},
                            {"/Soc", "d:80"}});
    s.start_battery(src_one, values);
    s.start_battery(src_two, values);
    auto config = R"({"virtualBatteries": {")" + v_one + R"(": [")" + src_one
                  + R"("], ")" + v_two + R"(": [")" + src_two + R"("]}, )"
                  + quick_config_keys + "}";
    c.arm_items_probe(v_one);
    auto* daemon = &start_aggregator(s, config);
    check_count(c, agg, 2);
    check_probe(c.wait_items_probe(10s), v_one);
    BA_REQUIRE(wait_for_services(c, {v_one, v_two}, 10s));
    for (auto* v : {&v_one, &v_two}) {
      check_d(c, *v, "/Dc/0/Voltage", 52.3);
      check_identity(c, *v);
      check_shape(c, *v);
    }
    check_set_value(c, v_one, "String East");
    check_set_value(c, v_two, "String West");
    // Each name went to its own key, not to the main service's.
    CAF_CHECK_EQUAL(c.get_value(agg, "/CustomName"), wire_value::str(""));
    CAF_CHECK_EQUAL(
        c.get_value(settings_name, "/Settings/Battery/aggregator/CustomName"),
        wire_value::str(""));
    CAF_CHECK_EQUAL(c.get_value(v_one, "/CustomName"),
                    wire_value::str("String East"));

    // Second run, probing the second service.
    CAF_CHECK_EQUAL(daemon->terminate(5s), 0);
    BA_REQUIRE(c.wait_for_no_owner(agg, eventually));
    CAF_CHECK(c.wait_for_no_owner(v_one, eventually));
    CAF_CHECK(c.wait_for_no_owner(v_two, eventually));
    c.arm_items_probe(v_two);
    daemon = &start_aggregator(s, config);
    check_probe(c.wait_items_probe(10s), v_two);
    BA_REQUIRE(wait_for_services(c, {v_one, v_two}, 10s));
    CAF_CHECK_EQUAL(poll_value(c, v_one, "/CustomName",
                               equals(wire_value::str("String East"))),
                    wire_value::str("String East"));
    CAF_CHECK_EQUAL(poll_value(c, v_two, "/CustomName",
                               equals(wire_value::str("String West"))),
                    wire_value::str("String West"));
  });
}

// (f) Device instances (product.md §3): 1056 and 1057 in config order, each
// from its own ClassAndVrmInstance setting, no collision with the main
// 1024; with 1056 already taken by another device, the settings service's
// allocation is what the services publish.
CAF_TEST(virtual batteries get their own device instances) {
  const std::string v_one = prefix + "vt_inst_one";
  const std::string v_two = prefix + "vt_inst_two";
  const std::string src_one = prefix + "vt_inst_src_one";
  const std::string src_two = prefix + "vt_inst_src_two";
  auto config = R"({"virtualBatteries": {")" + v_one + R"(": [")" + src_one
                + R"("], ")" + v_two + R"(": [")" + src_two + R"("]}, )"
                + quick_config_keys + "}";
  run_scenario([&](scenario& s) {
    auto& c = s.client();
    s.start_battery(src_one);
    s.start_battery(src_two);
    start_aggregator(s, config);
    check_count(c, agg, 2);
    BA_REQUIRE(wait_for_services(c, {v_one, v_two}, 10s));
    CAF_CHECK_EQUAL(c.get_value(agg, "/DeviceInstance"),
                    wire_value::int32(1024));
    CAF_CHECK_EQUAL(poll_value(c, v_one, "/DeviceInstance",
                               equals(wire_value::int32(1056))),
                    wire_value::int32(1056));
    CAF_CHECK_EQUAL(poll_value(c, v_two, "/DeviceInstance",
                               equals(wire_value::int32(1057))),
                    wire_value::int32(1057));
    CAF_CHECK_EQUAL(c.get_value(settings_name, instance_setting(v_one)),
                    wire_value::str("battery:1056"));
    CAF_CHECK_EQUAL(c.get_value(settings_name, instance_setting(v_two)),
                    wire_value::str("battery:1057"));
    CAF_CHECK_EQUAL(
        c.get_value(settings_name,
                    "/Settings/Devices/BatteryAggregator/ClassAndVrmInstance"),
        wire_value::str("battery:1024"));
  });
  run_scenario([&](scenario& s) {
    auto& c = s.client();
    // Another battery already holds 1056.
    s.restart_settings({"--preset",
                        "/Settings/Devices/other_bms/ClassAndVrmInstance="
                        "s:battery:1056"});
    s.start_battery(src_one);
    s.start_battery(src_two);
    start_aggregator(s, config);
    BA_REQUIRE(wait_for_services(c, {v_one, v_two}, 10s));
    std::set<double> instances{1024, 1056};
    for (auto* v : {&v_one, &v_two}) {
      auto published = c.get_value(*v, "/DeviceInstance");
      CAF_CHECK_EQUAL(published.signature, "i");
      auto n = published.number().value_or(-1);
      CAF_MESSAGE(*v << " has instance " << published);
      CAF_CHECK_GREATER_OR_EQUAL(n, 1057.0);
      // Unique among the main service, the other device and each other.
      CAF_CHECK(instances.insert(n).second);
      CAF_CHECK_EQUAL(
          c.get_value(settings_name, instance_setting(*v)),
          wire_value::str("battery:" + std::to_string(std::llround(n))));
    }
  });
}
