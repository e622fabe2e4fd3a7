// What the stock GX screens read from the aggregate (gx-native.md): the
// "Individual Battery Info" pages of gui-v2 (/Battery/Request/Id and
// /Battery/<n>/...), venus-platform's notifications (every /Alarms/* of its
// list, /ErrorCode, /Alarms/ParallelBmsLost for a lost pack) and the
// /Info/ChargeLimitation texts, read as those programs read them: GetValue
// of the paths they bind, SetValue of the pack number.

#define CAF_SUITE gx_screen
#include <caf/test/unit_test.hpp>

#include "tests/integration/polling.hpp"
#include "tests/integration/scenario.hpp"

#include <string>
#include <vector>

using namespace ba::test;

namespace {

const std::string agg = aggregator_name;
const std::string prefix = "com.victronenergy.battery.";
const std::string gx_a = prefix + "gx_a";
const std::string gx_b = prefix + "gx_b";
const std::string gx_c = prefix + "gx_c";

/// One pack as a BMS driver publishes it: a serial, its own firmware
/// version, its cells (dbus-serialbattery's /Voltages/Cell<n>), a CCL.
struct pack {
  std::string serial;
  std::string firmware; // a --set value: "s:v4.1" or "i:274"
  double voltage;
  double current;
  double soc;
  double installed;
  double temperature;
  double ccl;
  std::vector<double> cells;
  std::vector<double> cell_temperatures;
};

const pack pack_a{"JK-A1",
                  "s:v11.48",
                  53.1,
                  -10,
                  80,
                  100,
                  21,
                  40,
                  {3.311, 3.322, 3.333, 3.344},
                  {20.5, 21.5, 22.5, 23.5}};
const pack pack_b{
    "JK-B2", "i:274", 53.2, -20, 60, 200, 22, 90, {3.301, 3.302, 3.303, 3.304},
    {}};
const pack pack_c{"SEPLOS-C3", "s:v2.8", 53.3,           -30, 40, 280,
                  23,          120,      {3.201, 3.202}, {}};

std::vector<std::string> pack_args(const pack& p) {
  std::vector<std::pair<std::string, std::string>> values{
      {"/FirmwareVersion", p.firmware},
      {"/Dc/0/Voltage", d_arg(p.voltage)},
      {"/Dc/0/Current", d_arg(p.current)},
      {"/Dc/0/Power", d_arg(p.voltage * p.current)},
      {"/Soc", d_arg(p.soc)},
      {"/InstalledCapacity", d_arg(p.installed)},
      {"/Dc/0/Temperature", d_arg(p.temperature)},
      {"/Info/MaxChargeCurrent", d_arg(p.ccl)},
      {"/Info/MaxDischargeCurrent", d_arg(p.ccl * 2)},
      {"/State", "i:9"},
  };
  for (size_t k = 0; k < p.cells.size(); ++k)
    values.emplace_back("/Voltages/Cell" + std::to_string(k + 1),
                        d_arg(p.cells[k]));
  for (size_t k = 0; k < p.cell_temperatures.size(); ++k)
    values.emplace_back("/Temperatures/Cell" + std::to_string(k + 1),
                        d_arg(p.cell_temperatures[k]));
  auto args = set_args(values);
  args.push_back("--serial");
  args.push_back(p.serial);
  return args;
}

std::string page(int n, const std::string& leaf) {
  return "/Battery/" + std::to_string(n) + "/" + leaf;
}

std::string cell(int n, int c, const std::string& leaf) {
  return page(n, "Cell/" + std::to_string(c) + "/" + leaf);
}

/// Entry `n` of `service`'s list shows `p`, as gui-v2's page reads it.
void check_entry(bus_client& c, const std::string& service, int n,
                 const pack& p) {
  CAF_MESSAGE(service << " entry " << n << ": " << p.serial);
  CAF_CHECK_EQUAL(poll_value(c, service, page(n, "Serial"),
                             equals(wire_value::str(p.serial))),
                  wire_value::str(p.serial));
  check_d(c, service, page(n, "Voltage"), p.voltage);
  check_d(c, service, page(n, "Current"), p.current);
  check_d(c, service, page(n, "Capacity"), p.installed);
  check_d(c, service, page(n, "Temperature"), p.temperature);
  CAF_CHECK_EQUAL(c.get_value(service, page(n, "Status")),
                  wire_value::int32(9));
  if (p.firmware == "i:274")
    CAF_CHECK_EQUAL(c.get_value(service, page(n, "FwVersion")),
                    wire_value::int32(274));
  else
    CAF_CHECK_EQUAL(c.get_value(service, page(n, "FwVersion")),
                    wire_value::str(p.firmware.substr(2)));
  for (size_t k = 0; k < p.cells.size(); ++k)
    check_d(c, service, cell(n, static_cast<int>(k + 1), "Voltage"),
            p.cells[k]);
  for (size_t k = 0; k < p.cell_temperatures.size(); ++k)
    check_d(c, service, cell(n, static_cast<int>(k + 1), "Temperature"),
            p.cell_temperatures[k]);
  // Past its own cells (gui-v2 draws NrOfCellsPerBattery tiles): invalid,
  // or never published.
  auto beyond
      = c.get_items(service).count(
            cell(n, static_cast<int>(p.cells.size() + 1), "Voltage"))
            ? c.get_value(service, cell(n, static_cast<int>(p.cells.size() + 1),
                                        "Voltage"))
            : wire_value::invalid();
  CAF_CHECK(beyond.is_invalid());
}

/// Polls an integer path of `service` until it is `x`, and checks it.
void check_int(bus_client& c, const std::string& service,
               const std::string& path, int32_t x) {
  auto want = wire_value::int32(x);
  CAF_CHECK_EQUAL(poll_value(c, service, path, equals(want)), want);
}

/// SetValue of /Battery/Request/Id, as the page's radio list writes it.
int32_t pick(bus_client& c, const std::string& service, const wire_value& v) {
  try {
    return c.set_value(service, "/Battery/Request/Id", v);
  } catch (const std::exception& e) {
    CAF_MESSAGE("SetValue answered with an error: " << e.what());
    return -1;
  }
}

/// Every alarm venus-platform notifies for a battery (gx-native.md 2).
const std::vector<std::string> notified_alarms{"LowVoltage",
                                               "HighVoltage",
                                               "HighCellVoltage",
                                               "HighCurrent",
                                               "HighChargeCurrent",
                                               "HighDischargeCurrent",
                                               "HighChargeTemperature",
                                               "LowChargeTemperature",
                                               "LowSoc",
                                               "StateOfHealth",
                                               "LowStarterVoltage",
                                               "HighStarterVoltage",
                                               "LowTemperature",
                                               "HighTemperature",
                                               "MidVoltage",
                                               "LowFusedVoltage",
                                               "HighFusedVoltage",
                                               "FuseBlown",
                                               "HighInternalTemperature",
                                               "InternalFailure",
                                               "BatteryTemperatureSensor",
                                               "CellImbalance",
                                               "LowCellVoltage",
                                               "Contactor",
                                               "BmsCable",
                                               "FirmwareUpdateFailure",
                                               "ParallelBmsLost"};

/// Raises every notified alarm on `member` and checks each on `service`,
/// then clears them. BmsCable is raised to 1: a member's own 2 takes it
/// out of the bank (product.md 1.1), which is not an alarm to aggregate.
void check_alarms(bus_client& c, const std::string& service,
                  const std::string& member) {
  std::vector<std::pair<std::string, wire_value>> raise;
  std::vector<std::pair<std::string, wire_value>> clear;
  for (auto& a : notified_alarms) {
    raise.emplace_back("/Alarms/" + a,
                       wire_value::int32(a == "BmsCable" ? 1 : 2));
    clear.emplace_back("/Alarms/" + a, wire_value::int32(0));
  }
  BA_REQUIRE_EQUAL(c.sim_set_items(member, raise), 0);
  for (auto& [path, v] : raise) {
    CAF_MESSAGE(service << " " << path);
    CAF_CHECK_EQUAL(poll_value(c, service, path, equals(v)), v);
  }
  BA_REQUIRE_EQUAL(c.sim_set_items(member, clear), 0);
  for (auto& [path, v] : clear)
    CAF_CHECK_EQUAL(poll_value(c, service, path, equals(v)), v);
}

} // namespace

CAF_TEST(the aggregate shows each pack as gui - v2 reads it) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    // Started out of order: the list is by service name, not by arrival.
    s.start_battery(gx_c, pack_args(pack_c));
    s.start_battery(gx_a, pack_args(pack_a));
    s.start_battery(gx_b, pack_args(pack_b));
    start_aggregator(s, quick_config);
    check_count(c, agg, 3);

    // The link "Individual Battery Info" shows while the id is valid.
    check_int(c, agg, "/Battery/Request/Id", 1);
    check_entry(c, agg, 1, pack_a);
    check_entry(c, agg, 2, pack_b);
    check_entry(c, agg, 3, pack_c);
    CAF_CHECK_EQUAL(c.get_value(agg, "/Alarms/ParallelBmsLost"),
                    wire_value::int32(0));

    // The radio list writes 1..N; anything else is refused and changes
    // nothing.
    CAF_CHECK_EQUAL(pick(c, agg, wire_value::int32(3)), 0);
    CAF_CHECK_EQUAL(c.get_value(agg, "/Battery/Request/Id"),
                    wire_value::int32(3));
    for (auto bad :
         {wire_value::int32(0), wire_value::int32(4), wire_value::int32(-1),
          wire_value::dbl(1.5), wire_value::str("2")}) {
      CAF_MESSAGE("refused: " << bad);
      CAF_CHECK_NOT_EQUAL(pick(c, agg, bad), 0);
    }
    CAF_CHECK_EQUAL(c.get_value(agg, "/Battery/Request/Id"),
                    wire_value::int32(3));
    CAF_CHECK_EQUAL(pick(c, agg, wire_value::dbl(2)), 0);
    CAF_CHECK_EQUAL(pick(c, agg, wire_value::int32(3)), 0);

    // A pack leaves: the list shrinks, the ones after it move up with
    // their own values, the lost one is a notification of its own.
    c.sim_quit(gx_b);
    check_count(c, agg, 2);
    check_int(c, agg, "/Alarms/ParallelBmsLost", 2);
    // BmsCable means the whole bank: not raised for one pack (these packs
    // publish none, so it is not there at all).
    CAF_CHECK_EQUAL(c.get_items(agg).count("/Alarms/BmsCable"), 0u);
    check_entry(c, agg, 1, pack_a);
    check_entry(c, agg, 2, pack_c);
    CAF_CHECK(c.get_value(agg, page(3, "Serial")).is_invalid());
    CAF_CHECK(c.get_value(agg, cell(3, 1, "Voltage")).is_invalid());
    // The pack shown (3) is gone: the id stays inside the list.
    check_int(c, agg, "/Battery/Request/Id", 2);
    CAF_CHECK_NOT_EQUAL(pick(c, agg, wire_value::int32(3)), 0);

    // It comes back: the list grows again, each serial with its values.
    s.start_battery(gx_b, pack_args(pack_b));
    check_count(c, agg, 3);
    check_int(c, agg, "/Alarms/ParallelBmsLost", 0);
    check_entry(c, agg, 1, pack_a);
    check_entry(c, agg, 2, pack_b);
    check_entry(c, agg, 3, pack_c);

    // Every alarm venus-platform notifies, raised by one pack.
    check_alarms(c, agg, gx_c);

    // /ErrorCode: the first pack by service name that reports one.
    BA_REQUIRE_EQUAL(
        c.sim_set_items(gx_c, {{"/ErrorCode", wire_value::int32(30)}}), 0);
    check_int(c, agg, "/ErrorCode", 30);
    BA_REQUIRE_EQUAL(
        c.sim_set_items(gx_b, {{"/ErrorCode", wire_value::int32(14)}}), 0);
    check_int(c, agg, "/ErrorCode", 14);
    BA_REQUIRE_EQUAL(
        c.sim_set_items(gx_b, {{"/ErrorCode", wire_value::int32(0)}}), 0);
    BA_REQUIRE_EQUAL(
        c.sim_set_items(gx_c, {{"/ErrorCode", wire_value::int32(0)}}), 0);
    check_int(c, agg, "/ErrorCode", 0);

    // The limit texts: pack a has the smallest share (40 A x 580/100 Ah,
    // against 90 x 580/200 and 120 x 580/280); it stays the reason while
    // its limit moves.
    auto by_a = wire_value::str("gx_a: BMS limit x capacity share");
    CAF_CHECK_EQUAL(poll_value(c, agg, "/Info/ChargeLimitation", equals(by_a)),
                    by_a);
    BA_REQUIRE_EQUAL(
        c.sim_set_items(gx_a, {{"/Info/MaxChargeCurrent", wire_value::dbl(42)},
                               {"/Info/ChargeLimitation",
                                wire_value::str("Cell Voltage")}}),
        0);
    check_d(c, agg, "/Info/MaxChargeCurrent", 243.6);
    auto with_reason
        = wire_value::str("gx_a: BMS limit x capacity share (Cell Voltage)");
    CAF_CHECK_EQUAL(
        poll_value(c, agg, "/Info/ChargeLimitation", equals(with_reason)),
        with_reason);
    BA_REQUIRE_EQUAL(
        c.sim_set_items(gx_a, {{"/Io/AllowToCharge", wire_value::int32(0)}}),
        0);
    // Without a: 90 x 480/200 against 120 x 480/280.
    auto by_c = wire_value::str("gx_c: BMS limit x capacity share");
    CAF_CHECK_EQUAL(poll_value(c, agg, "/Info/ChargeLimitation", equals(by_c)),
                    by_c);
    CAF_CHECK_EQUAL(c.get_value(agg, "/Info/DischargeLimitation"),
                    wire_value::str("gx_a: BMS limit x capacity share"));
  });
}

CAF_TEST(a virtual battery shows its own packs) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    const std::string vb = prefix + "gx_bank";
    s.start_battery(gx_a, pack_args(pack_a));
    s.start_battery(gx_b, pack_args(pack_b));
    s.start_battery(gx_c, pack_args(pack_c));
    start_aggregator(s, R"({"virtualBatteries": {")" + vb
                            + R"(": {"topology": "parallel", "members": [")"
                            + gx_b + R"(", ")" + gx_a + R"("]}}, )"
                            + quick_config_keys + "}");
    check_count(c, vb, 2);
    check_int(c, vb, "/Battery/Request/Id", 1);
    // Numbered by service name, not by the config's member order.
    check_entry(c, vb, 1, pack_a);
    check_entry(c, vb, 2, pack_b);
    CAF_CHECK_EQUAL(pick(c, vb, wire_value::int32(2)), 0);
    CAF_CHECK_NOT_EQUAL(pick(c, vb, wire_value::int32(3)), 0);
    CAF_CHECK_EQUAL(c.get_value(vb, "/Alarms/ParallelBmsLost"),
                    wire_value::int32(0));
    // The main aggregate lists its own members: the virtual battery (by
    // its name's last part) and pack c.
    check_count(c, agg, 2);
    CAF_CHECK_EQUAL(poll_value(c, agg, page(1, "Serial"),
                               equals(wire_value::str("gx_bank"))),
                    wire_value::str("gx_bank"));
    check_entry(c, agg, 2, pack_c);

    c.sim_quit(gx_a);
    check_count(c, vb, 1);
    check_int(c, vb, "/Alarms/ParallelBmsLost", 2);
    check_entry(c, vb, 1, pack_b);
    CAF_CHECK(c.get_value(vb, page(2, "Serial")).is_invalid());
    CAF_CHECK_EQUAL(c.get_value(vb, "/Battery/Request/Id"),
                    wire_value::int32(1));
    // A pack lost inside the virtual battery is a lost pack on the GX's
    // main battery too.
    check_int(c, agg, "/Alarms/ParallelBmsLost", 2);

    s.start_battery(gx_a, pack_args(pack_a));
    check_count(c, vb, 2);
    check_int(c, vb, "/Alarms/ParallelBmsLost", 0);
    check_int(c, agg, "/Alarms/ParallelBmsLost", 0);
    check_entry(c, vb, 1, pack_a);
    check_entry(c, vb, 2, pack_b);

    check_alarms(c, vb, gx_b);
    auto by_a = wire_value::str("gx_a: BMS limit x capacity share");
    CAF_CHECK_EQUAL(poll_value(c, vb, "/Info/ChargeLimitation", equals(by_a)),
                    by_a);
  });
}
