#define CAF_SUITE limits
#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "messages/path_table.hpp"
#include "tests/integration/polling.hpp"
#include "tests/integration/scenario.hpp"

using namespace ba::test;

namespace {

const std::string agg = aggregator_name;
const std::string pack_a = "com.victronenergy.battery.pack_a";
const std::string pack_b = "com.victronenergy.battery.pack_b";
const std::string pack_c = "com.victronenergy.battery.pack_c";

/// The alarms the battery double publishes (venus-dbus 8.2: five at 0).
const std::vector<std::string> sim_alarms{
    "/Alarms/LowVoltage", "/Alarms/HighVoltage", "/Alarms/LowSoc",
    "/Alarms/HighChargeCurrent", "/Alarms/HighDischargeCurrent"};

std::vector<std::string> pack(double capacity, double ccl, double dcl,
                              double cvl) {
  auto d = [](double x) { return "d:" + std::to_string(x); };
  return set_args({{"/InstalledCapacity", d(capacity)},
                   {"/Info/MaxChargeCurrent", d(ccl)},
                   {"/Info/MaxDischargeCurrent", d(dcl)},
                   {"/Info/MaxChargeVoltage", d(cvl)},
                   {"/Info/ChargeMode", "s:Bulk"},
                   {"/Balancing", "i:0"},
                   {"/Dc/0/Current", "d:10"}});
}

/// Checks one GetItems of the aggregate against the path table: every
/// path of the table is there (alarms: those the members publish), each
/// with its documented wire type (or invalid), and no path ever changes
/// type across the calls sharing `seen`.
void check_types(bus_client& c, std::map<std::string, std::string>& seen) {
  auto items = c.get_items(agg);
  for (auto& row : ba::path_table()) {
    std::string path = row.path;
    // Member page families are checked by name in the gx_screen suite.
    if (path.find('<') != std::string::npos)
      continue;
    // The aggregate's own roster alarm is always there.
    bool alarm
        = path.rfind("/Alarms/", 0) == 0 && path != "/Alarms/ParallelBmsLost";
    bool sim_alarm = std::find(sim_alarms.begin(), sim_alarms.end(), path)
                     != sim_alarms.end();
    auto i = items.find(path);
    if (alarm && !sim_alarm) {
      // Published only once some member has published that alarm.
      CAF_CHECK(i == items.end());
      continue;
    }
    CAF_CHECK(i != items.end());
    if (i == items.end()) {
      CAF_MESSAGE("missing from GetItems: " << path);
      continue;
    }
    auto sig = i->second.first.signature;
    if (sig == "ai")
      continue;
    std::string want(1, ba::wire_type(row.u));
    CAF_CHECK_EQUAL(path + ":" + sig, path + ":" + want);
    auto& before = seen[path];
    if (!before.empty())
      CAF_CHECK_EQUAL(path + ":" + sig, path + ":" + before);
    before = sig;
  }
}

} // namespace

CAF_TEST(charge limits through charge FET balancing and float) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    std::map<std::string, std::string> seen;
    s.start_battery(pack_a, pack(100, 50, 100, 55.2));
    s.start_battery(pack_b, pack(100, 50, 100, 55.2));
    s.start_battery(pack_c, pack(200, 100, 200, 55.4));
    start_aggregator(s, R"({"startupBatteryWait": 1})");
    BA_REQUIRE_EQUAL(poll_value(c, agg, "/System/NrOfBatteries",
                                equals(wire_value::int32(3))),
                     wire_value::int32(3));
    // Charging, capacity method: every pack takes its share of 400 Ah,
    // so each allows 4x (2x for the big one) its own limit: 200 A.
    BA_CHECK_D(poll_value(c, agg, "/Info/MaxChargeCurrent", near_d(200)), 200);
    BA_CHECK_D(poll_value(c, agg, "/Info/MaxDischargeCurrent", near_d(400)),
               400);
    // Not balancing: the lowest charge voltage.
    BA_CHECK_D(poll_value(c, agg, "/Info/MaxChargeVoltage", near_d(55.2)),
               55.2);
    CAF_CHECK_EQUAL(c.get_value(agg, "/Info/ChargeMode"),
                    wire_value::str("Bulk"));
    check_types(c, seen);

    // Pack b opens its charge FET: it leaves the charge set; a (100 Ah) and
    // c (200 Ah) share: a takes 1/3, so 50 x 3 = 150 A; c 100 x 1.5 = 150.
    BA_REQUIRE_EQUAL(
        c.sim_set_items(pack_b, {{"/Io/AllowToCharge", wire_value::int32(0)}}),
        0);
    BA_CHECK_D(poll_value(c, agg, "/Info/MaxChargeCurrent", near_d(150)), 150);
    // Discharging is still allowed by all three.
    BA_CHECK_D(c.get_value(agg, "/Info/MaxDischargeCurrent"), 400);
    CAF_CHECK_EQUAL(c.get_value(agg, "/Io/AllowToCharge"),
                    wire_value::int32(1));
    check_types(c, seen);

    // Pack a balances and asks for more voltage: max while balancing.
    BA_REQUIRE_EQUAL(
        c.sim_set_items(pack_a,
                        {{"/Balancing", wire_value::int32(1)},
                         {"/Info/MaxChargeVoltage", wire_value::dbl(56)},
                         {"/Info/ChargeMode", wire_value::str("Absorption")}}),
        0);
    BA_CHECK_D(poll_value(c, agg, "/Info/MaxChargeVoltage", near_d(56)), 56);
    CAF_CHECK_EQUAL(c.get_value(agg, "/Balancing"), wire_value::int32(1));
    CAF_CHECK_EQUAL(c.get_value(agg, "/Info/ChargeMode"),
                    wire_value::str("Absorption Transition"));
    check_types(c, seen);

    // Balancing done; pack c floats at a lower voltage while a and b still
    // absorb: the floating pack is left out, the min of the others counts.
    BA_REQUIRE_EQUAL(
        c.sim_set_items(pack_a,
                        {{"/Balancing", wire_value::int32(0)},
                         {"/Info/MaxChargeVoltage", wire_value::dbl(55.2)}}),
        0);
    BA_REQUIRE_EQUAL(
        c.sim_set_items(pack_b,
                        {{"/Info/ChargeMode", wire_value::str("Absorption")},
                         {"/Io/AllowToCharge", wire_value::int32(1)}}),
        0);
    BA_REQUIRE_EQUAL(
        c.sim_set_items(pack_c,
                        {{"/Info/ChargeMode", wire_value::str("Float")},
                         {"/Info/MaxChargeVoltage", wire_value::dbl(53.5)}}),
        0);
    BA_CHECK_D(poll_value(c, agg, "/Info/MaxChargeVoltage", near_d(55.2)),
               55.2);
    CAF_CHECK_EQUAL(poll_value(c, agg, "/Info/ChargeMode",
                               equals(wire_value::str("Float Transition"))),
                    wire_value::str("Float Transition"));
    BA_CHECK_D(poll_value(c, agg, "/Info/MaxChargeCurrent", near_d(200)), 200);

    // Everything floats: the lowest float voltage.
    for (auto* p : {&pack_a, &pack_b})
      BA_REQUIRE_EQUAL(
          c.sim_set_items(*p,
                          {{"/Info/ChargeMode", wire_value::str("Float")},
                           {"/Info/MaxChargeVoltage", wire_value::dbl(53.6)}}),
          0);
    BA_CHECK_D(poll_value(c, agg, "/Info/MaxChargeVoltage", near_d(53.5)),
               53.5);
    CAF_CHECK_EQUAL(c.get_value(agg, "/Info/ChargeMode"),
                    wire_value::str("Float"));
    check_types(c, seen);

    // All packs refuse charging: 0 A, never invalid.
    for (auto* p : {&pack_a, &pack_b, &pack_c})
      BA_REQUIRE_EQUAL(
          c.sim_set_items(*p, {{"/Io/AllowToCharge", wire_value::int32(0)}}),
          0);
    BA_CHECK_D(poll_value(c, agg, "/Info/MaxChargeCurrent", near_d(0)), 0);
    CAF_CHECK_EQUAL(c.get_value(agg, "/Io/AllowToCharge"),
                    wire_value::int32(0));
    check_types(c, seen);
  });
}

CAF_TEST(the DVCC user limit caps the charge current) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    s.restart_settings(
        {"--preset", "/Settings/SystemSetup/MaxChargeCurrent=i:120"});
    s.start_battery(pack_a, pack(100, 50, 100, 55.2));
    s.start_battery(pack_b, pack(100, 50, 100, 55.2));
    start_aggregator(s, R"({"startupBatteryWait": 1})");
    // DVCC off (no systemcalc yet): the battery limit, 100 A.
    BA_CHECK_D(poll_value(c, agg, "/Info/MaxChargeCurrent", near_d(100)), 100);
    // systemcalc appears with DVCC on: capped at the user's 120 A? No:
    // 100 A is below it. Lower the cap through the setting.
    s.start("system", {sim_battery_path(), "--name", "com.victronenergy.system",
                       "--set", "/Control/Dvcc=i:1"});
    BA_REQUIRE(c.wait_for_owner("com.victronenergy.system", eventually));
    BA_REQUIRE_EQUAL(c.set_value("com.victronenergy.settings",
                                 "/Settings/SystemSetup/MaxChargeCurrent",
                                 wire_value::int32(70)),
                     0);
    BA_CHECK_D(poll_value(c, agg, "/Info/MaxChargeCurrent", near_d(70)), 70);
    // DVCC switched off in systemcalc: the cap goes.
    BA_REQUIRE_EQUAL(c.sim_set_items("com.victronenergy.system",
                                     {{"/Control/Dvcc", wire_value::int32(0)}}),
                     0);
    BA_CHECK_D(poll_value(c, agg, "/Info/MaxChargeCurrent", near_d(100)), 100);
    // systemcalc leaving counts as DVCC off too; back on first, then quit.
    BA_REQUIRE_EQUAL(c.sim_set_items("com.victronenergy.system",
                                     {{"/Control/Dvcc", wire_value::int32(1)}}),
                     0);
    BA_CHECK_D(poll_value(c, agg, "/Info/MaxChargeCurrent", near_d(70)), 70);
    c.sim_quit("com.victronenergy.system");
    BA_CHECK_D(poll_value(c, agg, "/Info/MaxChargeCurrent", near_d(100)), 100);
  });
}

CAF_TEST(a bank of shunts publishes no limits) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    s.start_battery(pack_a, {"--minimal"});
    start_aggregator(s, R"({"startupBatteryWait": 1})");
    BA_REQUIRE_EQUAL(poll_value(c, agg, "/System/NrOfBatteries",
                                equals(wire_value::int32(1))),
                     wire_value::int32(1));
    CAF_CHECK(c.get_value(agg, "/Info/MaxChargeCurrent").is_invalid());
    CAF_CHECK(c.get_value(agg, "/Info/MaxDischargeCurrent").is_invalid());
    CAF_CHECK(c.get_value(agg, "/Info/MaxChargeVoltage").is_invalid());
  });
}
