#define CAF_SUITE input_check
#include <caf/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "actors/rules/input_check.hpp"
#include "actors/rules/source_table.hpp"
#include "tests/unit/rule_test_support.hpp"

using namespace ba;
using namespace ba::test;

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double ten_years = 10.0 * 365 * 24 * 3600;

struct row {
  const char* path;
  value in;
  bool rejected;
  /// The exact reason when rejected, empty otherwise.
  std::string reason;
};

const char* text_reason = "text where a number is expected";
const char* finite_reason = "not a finite number";

void run(const std::vector<row>& rows) {
  for (auto& x : rows) {
    CAF_MESSAGE(x.path << " " << to_string(x.in));
    auto got = check_input(x.path, x.in);
    CAF_CHECK_EQUAL(got.rejected, x.rejected);
    CAF_CHECK_EQUAL(got.reason, x.reason);
    // A rejected value never reaches the rules; an accepted one is passed
    // on unchanged, kind included.
    auto want = x.rejected ? value::invalid() : x.in;
    CAF_CHECK_EQUAL(got.val, want);
    CAF_CHECK(got.val.kind == want.kind);
  }
}

} // namespace

CAF_TEST(ranges and their boundaries) {
  std::vector<row> rows{
      // SoC and SoH: 0..100 inclusive.
      {"/Soc", r(100), false, ""},
      {"/Soc", i(100), false, ""},
      {"/Soc", r(100.1), true, "SoC 100.1 outside 0..100"},
      {"/Soc", r(150), true, "SoC 150 outside 0..100"},
      {"/Soc", r(0), false, ""},
      {"/Soc", r(-0.0), false, ""},
      {"/Soc", r(-0.1), true, "SoC -0.1 outside 0..100"},
      {"/Soc", r(100.0001), true, "SoC 100.0001 outside 0..100"},
      {"/Soh", r(100), false, ""},
      {"/Soh", r(101), true, "SoH 101 outside 0..100"},
      // Voltage: |V| <= 1000.
      {"/Dc/0/Voltage", r(1000), false, ""},
      {"/Dc/0/Voltage", r(-1000), false, ""},
      {"/Dc/0/Voltage", r(1000.01), true,
       "voltage 1000.01 outside -1000..1000"},
      {"/Dc/0/Voltage", r(-1000.5), true,
       "voltage -1000.5 outside -1000..1000"},
      {"/History/MaximumVoltage", r(52.4), false, ""},
      {"/Info/BatteryLowVoltage", r(2000), true,
       "voltage 2000 outside -1000..1000"},
      {"/Dc/1/Voltage", r(12.6), false, ""},
      // Cell voltages: 0..10.
      {"/System/MinCellVoltage", r(10), false, ""},
      {"/System/MinCellVoltage", r(0), false, ""},
      {"/System/MaxCellVoltage", r(10.001), true,
       "cell voltage 10.001 outside 0..10"},
      {"/System/MaxCellVoltage", r(-0.001), true,
       "cell voltage -0.001 outside 0..10"},
      {"/History/MinimumCellVoltage", r(65.535), true,
       "cell voltage 65.535 outside 0..10"},
      // Current: |I| <= 10000 A.
      {"/Dc/0/Current", r(-10000), false, ""},
      {"/Dc/0/Current", r(10000), false, ""},
      {"/Dc/0/Current", r(10000.1), true,
       "current 10000.1 outside -10000..10000"},
      // Power: |P| <= 10 MW.
      {"/Dc/0/Power", r(1e7), false, ""},
      {"/Dc/0/Power", r(-1e7), false, ""},
      {"/Dc/0/Power", r(-1e7 - 1), true,
       "power -10000001 outside -10000000..10000000"},
      // Capacities: 0..100000 Ah, negative rejected.
      {"/InstalledCapacity", r(100000), false, ""},
      {"/InstalledCapacity", r(0), false, ""},
      {"/InstalledCapacity", r(-1), true,
       "installed capacity -1 outside 0..100000"},
      {"/InstalledCapacity", r(100000.1), true,
       "installed capacity 100000.1 outside 0..100000"},
      {"/Capacity", r(-0.5), true, "capacity -0.5 outside 0..100000"},
      {"/Capacity", i(280), false, ""},
      // ConsumedAmphours: either sign, |x| <= 100000.
      {"/ConsumedAmphours", r(-100000), false, ""},
      {"/ConsumedAmphours", r(100000), false, ""},
      {"/ConsumedAmphours", r(-100000.1), true,
       "consumed Ah -100000.1 outside -100000..100000"},
      // TimeToGo: 0..10 years.
      {"/TimeToGo", r(864000), false, ""},
      {"/TimeToGo", r(ten_years), false, ""},
      {"/TimeToGo", r(ten_years + 1), true,
       "time to go 315360001 outside 0..315360000"},
      {"/TimeToGo", r(-1), true, "time to go -1 outside 0..315360000"},
      // Temperatures: -100..200 degrees C.
      {"/Dc/0/Temperature", r(-100), false, ""},
      {"/Dc/0/Temperature", r(200), false, ""},
      {"/Dc/0/Temperature", r(-273.15), true,
       "temperature -273.15 outside -100..200"},
      {"/System/MaxCellTemperature", r(6553.5), true,
       "temperature 6553.5 outside -100..200"},
      {"/History/MinimumTemperature", r(200.1), true,
       "temperature 200.1 outside -100..200"},
      // Limits: CCL and DCL 0..10000 A, CVL 0..1000 V.
      {"/Info/MaxChargeCurrent", r(0), false, ""},
      {"/Info/MaxChargeCurrent", r(10000), false, ""},
      {"/Info/MaxChargeCurrent", r(-1), true, "CCL -1 outside 0..10000"},
      {"/Info/MaxDischargeCurrent", r(10000.5), true,
       "DCL 10000.5 outside 0..10000"},
      {"/Info/MaxDischargeCurrent", r(-0.0), false, ""},
      {"/Info/MaxChargeVoltage", r(1000), false, ""},
      {"/Info/MaxChargeVoltage", r(-0.01), true, "CVL -0.01 outside 0..1000"},
      {"/Info/MaxChargeVoltage", r(1000.1), true, "CVL 1000.1 outside 0..1000"},
      // Alarms: 0..2.
      {"/Alarms/LowVoltage", i(0), false, ""},
      {"/Alarms/LowVoltage", i(2), false, ""},
      {"/Alarms/LowVoltage", i(3), true, "alarm 3 outside 0..2"},
      {"/Alarms/HighCurrent", i(-1), true, "alarm -1 outside 0..2"},
      {"/Alarms/SomeVendorAlarm", r(1), false, ""},
      // Counts: 0..100000.
      {"/System/NrOfModulesOnline", i(100000), false, ""},
      {"/System/NrOfModulesOnline", i(100001), true,
       "count 100001 outside 0..100000"},
      {"/System/NrOfCellsPerBattery", i(-1), true,
       "count -1 outside 0..100000"},
      {"/History/ChargeCycles", r(412.5), false, ""},
      // Lifetime counters: |x| <= 1e9.
      {"/History/TotalAhDrawn", r(-1e9), false, ""},
      {"/History/TotalAhDrawn", r(-2e9), true,
       "total Ah drawn -2000000000 outside -1000000000..1000000000"},
      {"/History/ChargedEnergy", r(1e9 + 1), true,
       "energy 1000000001 outside -1000000000..1000000000"},
  };
  run(rows);
  CAF_CHECK_GREATER_OR_EQUAL(rows.size(), 60u);
}

CAF_TEST(flags accept every finite number) {
  run({
      {"/Connected", i(1), false, ""},
      {"/Connected", i(0), false, ""},
      {"/Connected", i(7), false, ""},
      {"/Connected", r(-1), false, ""},
      {"/Balancing", r(0.5), false, ""},
      {"/Io/AllowToCharge", i(1), false, ""},
      {"/Io/AllowToDischarge", r(1e300), false, ""},
      {"/Io/ExternalRelay", i(1), false, ""},
      {"/Info/ChargeRequest", i(2), false, ""},
      {"/Io/AllowToCharge", r(nan), true, finite_reason},
      {"/Connected", r(-inf), true, finite_reason},
      {"/Io/AllowToBalance", t("1"), true, text_reason},
      {"/Balancing", t("True"), true, text_reason},
      {"/DeviceInstance", i(512), false, ""},
      {"/ProductId", i(0xBA44), false, ""},
      {"/ProductId", t("0xBA44"), true, text_reason},
  });
}

CAF_TEST(text and non finite numbers are rejected on numeric paths) {
  run({
      {"/Soc", t("81.2"), true, text_reason},
      {"/Dc/0/Voltage", t("52.34V"), true, text_reason},
      {"/InstalledCapacity", t(""), true, text_reason},
      {"/Alarms/LowSoc", t("0"), true, text_reason},
      {"/History/ChargedEnergy", t("x"), true, text_reason},
      {"/Soc", r(nan), true, finite_reason},
      {"/Dc/0/Voltage", r(inf), true, finite_reason},
      {"/Dc/0/Current", r(-inf), true, finite_reason},
      {"/TimeToGo", r(nan), true, finite_reason},
      {"/Info/MaxChargeCurrent", r(inf), true, finite_reason},
  });
}

CAF_TEST(invalid stays invalid and is no rejection) {
  run({
      {"/Soc", value::invalid(), false, ""},
      {"/Connected", value::invalid(), false, ""},
      {"/CustomName", value::invalid(), false, ""},
      {"/Some/Unknown/Path", value::invalid(), false, ""},
  });
}

CAF_TEST(text paths keep every kind as it is) {
  // The rules treat a number on a text path as absent; check_input neither
  // converts nor rejects it.
  run({
      {"/CustomName", t("House bank"), false, ""},
      {"/CustomName", i(5), false, ""},
      {"/Info/ChargeMode", t("Float"), false, ""},
      {"/Info/ChargeMode", r(2), false, ""},
      {"/System/MinVoltageCellId", t("C3"), false, ""},
      {"/System/MaxTemperatureCellId", r(1.5), false, ""},
      {"/ProductName", t("JK BMS"), false, ""},
      {"/ProductName", r(nan), false, ""},
      {"/HardwareVersion", t("JKBMS 11.XW"), false, ""},
      {"/HardwareVersion", i(3), false, ""},
  });
}

CAF_TEST(unknown paths pass through unchanged) {
  run({
      {"/Voltages/Cell1", r(99), false, ""},
      {"/Info/ChargeLimitation", t("Cell Voltage"), false, ""},
      {"/Some/Unknown/Path", r(nan), false, ""},
      {"/Some/Unknown/Path", t("x"), false, ""},
      {"", r(-1e300), false, ""},
  });
}

CAF_TEST(negative zero is kept as it came) {
  auto got = check_input("/Soc", value::real(-0.0));
  CAF_CHECK(!got.rejected);
  CAF_CHECK(std::signbit(got.val.number));
}

// One source could make the service keep any number of paths of any length
// (100 signals of new 64 KiB paths: 206 MB never returned; issue 12).
CAF_TEST(a source keeps the battery vocabulary and a bounded rest) {
  CAF_CHECK(path_kept("/Dc/0/Voltage", 1000, true));
  CAF_CHECK(path_kept("/Info/Location", 0, false));
  CAF_CHECK(path_kept("/Info/Location", max_other_paths - 1, false));
  CAF_CHECK(!path_kept("/Info/Location", max_other_paths, false));
  CAF_CHECK(path_kept("/" + std::string(max_path_bytes - 1, 'x'), 0, false));
  CAF_CHECK(!path_kept("/" + std::string(max_path_bytes, 'x'), 0, false));
  CAF_CHECK(!path_kept("/" + std::string(65536, 'x'), 0, true));
}
