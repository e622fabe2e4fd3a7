#define CAF_SUITE bank_rules
#include <caf/test/unit_test.hpp>

#include "tests/unit/rule_table.hpp"

#include "tests/unit/rule_test_support.hpp"

#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "actors/rules/bank_rules.hpp"

// Table-driven tests of the remaining parallel-bank rules (product.md
// section 2.1). Every table row names its case; a failing row prints that
// name with the actual and expected value, so a failure needs no debugger.

using namespace ba;
using namespace ba::test;

namespace {

// Local, not in the shared header: `nan` there would clash with ::nan.
const value none = value::invalid();
const value nan = value::real(std::numeric_limits<double>::quiet_NaN());
const value pinf = value::real(std::numeric_limits<double>::infinity());
const value ninf = value::real(-std::numeric_limits<double>::infinity());

// -- building members ---------------------------------------------------------

using entry = std::pair<std::string, value>;
using member = std::vector<entry>;

/// A member with its service name, for the rules that need one.
struct named {
  std::string service;
  member values;
};

/// Owns the members' value maps and hands out both views the rules take.
struct bank {
  std::vector<value_map> maps;
  std::vector<std::string> services;
  member_list list;
  std::vector<member_view> views;

  explicit bank(const std::vector<member>& ms) {
    for (auto& m : ms) {
      maps.emplace_back(m.begin(), m.end());
      services.push_back("com.victronenergy.battery.m"
                         + std::to_string(services.size()));
    }
    link();
  }

  explicit bank(const std::vector<named>& ms) {
    for (auto& m : ms) {
      maps.emplace_back(m.values.begin(), m.values.end());
      services.push_back(m.service);
    }
    link();
  }

  // Take pointers only after `maps` stopped growing.
  void link() {
    for (size_t k = 0; k < maps.size(); ++k) {
      list.push_back(&maps[k]);
      views.push_back(member_view{services[k], &maps[k]});
    }
  }
};

// -- rows ---------------------------------------------------------------------

/// A row of a rule over one path: members and the expected value.
struct row {
  std::string label;
  std::vector<member> members;
  value expected;
};

/// Runs `rows` against `rule(list, path)` for every path in `paths`; the
/// rows are written for the placeholder path "P" and rewritten per path.
template <class Rule>
size_t run_per_path(const std::vector<std::string>& paths,
                    const std::vector<row>& rows, Rule rule) {
  size_t n = 0;
  for (auto& path : paths)
    for (auto& x : rows) {
      std::vector<member> ms;
      for (auto& m : x.members) {
        member renamed;
        for (auto& [p, v] : m)
          renamed.emplace_back(p == "P" ? path : p, v);
        ms.push_back(std::move(renamed));
      }
      bank b{ms};
      CHECK_ROW(path + ": " + x.label, rule(b.list, path), x.expected);
      ++n;
    }
  return n;
}

} // namespace

// -- flags: /Balancing, /Io/AllowToBalance, /Io/AllowToCharge,
//    /Io/AllowToDischarge, /Info/ChargeRequest -------------------------------

CAF_TEST(flags are the OR of valid members) {
  std::vector<row> rows{
      {"one set -> 1", {{{"P", i(0)}}, {{"P", i(1)}}}, i(1)},
      {"all clear -> 0 (valid)", {{{"P", i(0)}}, {{"P", r(0)}}}, i(0)},
      {"any non-zero counts as set", {{{"P", r(2)}}}, i(1)},
      {"invalid member skipped", {{{"P", none}}, {{"P", i(0)}}}, i(0)},
      {"NaN and Inf are not a set flag",
       {{{"P", nan}}, {{"P", pinf}}, {{"P", i(0)}}},
       i(0)},
      {"text is skipped", {{{"P", t("1")}}, {{"P", i(0)}}}, i(0)},
      {"member without the path does not count",
       {{{"X", i(1)}}, {{"P", i(0)}}},
       i(0)},
      {"all invalid -> invalid, not 0",
       {{{"P", none}}, {{"P", nan}}, {{"P", t("yes")}}},
       none},
      {"no members -> invalid", {}, none},
  };
  auto n
      = run_per_path({"/Balancing", "/Io/AllowToBalance", "/Io/AllowToCharge",
                      "/Io/AllowToDischarge", "/Info/ChargeRequest"},
                     rows, flag_or);
  CAF_MESSAGE(n << " rows");
}

// -- /Info/BatteryLowVoltage and other max / min rows -------------------------

namespace {

const std::vector<row> max_rows{
    {"largest wins",
     {{{"P", r(44)}}, {{"P", r(46.5)}}, {{"P", i(45)}}},
     r(46.5)},
    {"negative values", {{{"P", r(-3)}}, {{"P", r(-7)}}}, r(-3)},
    {"NaN, +Inf and text skipped",
     {{{"P", nan}}, {{"P", pinf}}, {{"P", t("99")}}, {{"P", r(44)}}},
     r(44)},
    {"all invalid -> invalid, not 0",
     {{{"P", none}}, {{"P", ninf}}, {{"P", t("x")}}},
     none},
    {"no members -> invalid", {}, none},
};

const std::vector<row> min_rows{
    {"smallest wins",
     {{{"P", r(3.31)}}, {{"P", r(3.29)}}, {{"P", i(4)}}},
     r(3.29)},
    {"below zero", {{{"P", r(-3)}}, {{"P", r(-7)}}}, r(-7)},
    {"NaN, -Inf and text skipped",
     {{{"P", nan}}, {{"P", ninf}}, {{"P", t("0")}}, {{"P", r(3.3)}}},
     r(3.3)},
    {"all invalid -> invalid, not 0",
     {{{"P", none}}, {{"P", pinf}}, {{"P", t("x")}}},
     none},
    {"no members -> invalid", {}, none},
};

} // namespace

CAF_TEST(battery low voltage is the max of valid members) {
  auto n = run_per_path({"/Info/BatteryLowVoltage"}, max_rows, max_over);
  CAF_MESSAGE(n << " rows");
}

// -- /Info/ChargeMode ---------------------------------------------------------

CAF_TEST(charge mode follows the string rule of the Python add - on) {
  auto m = [](std::string s) {
    return member{{"/Info/ChargeMode", t(std::move(s))}};
  };
  std::vector<row> rows{
      {"all float -> Float", {m("Float"), m("float charge")}, t("Float")},
      {"some float -> Float Transition",
       {m("Float"), m("Absorption")},
       t("Float Transition")},
      {"float beats all-absorption others",
       {m("Absorption"), m("Absorption"), m("Float")},
       t("Float Transition")},
      {"all absorption -> Absorption",
       {m("Absorption"), m("ABSORPTION (balancing)")},
       t("Absorption")},
      {"some absorption -> Absorption Transition",
       {m("Absorption"), m("Bulk")},
       t("Absorption Transition")},
      {"all bulk -> Bulk", {m("Bulk"), m("bulk")}, t("Bulk")},
      {"some bulk -> Bulk Transition",
       {m("Bulk"), m("Equalize")},
       t("Bulk Transition")},
      {"nothing known -> Charging", {m("Equalize"), m("Idle")}, t("Charging")},
      {"single member, upper case", {m("FLOAT")}, t("Float")},
      {"members without a mode do not count",
       {m("Float"), {{"/Soc", r(50)}}, {{"/Info/ChargeMode", none}}},
       t("Float")},
      {"number, NaN and empty text do not count",
       {m("Bulk"),
        {{"/Info/ChargeMode", i(3)}},
        {{"/Info/ChargeMode", nan}},
        m(""),
        m("  ")},
       t("Bulk")},
      {"no member publishes a mode -> invalid",
       {{{"/Info/ChargeMode", none}}, {{"/Soc", r(50)}}, m("")},
       none},
      {"no members -> invalid", {}, none},
  };
  for (auto& x : rows) {
    bank b{x.members};
    CHECK_ROW(x.label, charge_mode(b.list), x.expected);
  }
  CAF_MESSAGE(rows.size() << " rows");
}

// -- member labels ------------------------------------------------------------

CAF_TEST(member label is the custom name or the service suffix) {
  struct label_row {
    std::string label;
    std::string service;
    member values;
    std::string expected;
  };
  std::vector<label_row> rows{
      {"custom name wins",
       "com.victronenergy.battery.ttyUSB0",
       {{"/CustomName", t("House A")}},
       "House A"},
      {"no custom name -> suffix",
       "com.victronenergy.battery.ttyUSB0",
       {},
       "ttyUSB0"},
      {"empty custom name -> suffix",
       "com.victronenergy.battery.socketcan_can0",
       {{"/CustomName", t("")}},
       "socketcan_can0"},
      {"blank custom name -> suffix",
       "com.victronenergy.battery.ttyUSB1",
       {{"/CustomName", t("   ")}},
       "ttyUSB1"},
      {"invalid custom name -> suffix",
       "com.victronenergy.battery.ttyUSB1",
       {{"/CustomName", none}},
       "ttyUSB1"},
      {"numeric custom name -> suffix",
       "com.victronenergy.battery.ttyUSB1",
       {{"/CustomName", i(7)}},
       "ttyUSB1"},
      {"no dot -> whole name", "battery", {}, "battery"},
  };
  for (auto& x : rows) {
    value_map m(x.values.begin(), x.values.end());
    CHECK_ROW(x.label, t(member_label(x.service, m)), t(x.expected));
  }
  CAF_MESSAGE(rows.size() << " rows");
}

// -- /System cell extremes and their ids --------------------------------------

namespace {

struct cell_row {
  std::string label;
  std::vector<named> members;
  /// Expected (path, value) pairs; paths not named here are not checked.
  std::vector<entry> expected;
};

const std::string svc_a = "com.victronenergy.battery.ttyUSB0";
const std::string svc_b = "com.victronenergy.battery.ttyUSB1";

} // namespace

CAF_TEST(cell extremes carry the member label and cell id) {
  std::vector<cell_row> rows{
      {"min voltage: label from CustomName",
       {{svc_a,
         {{"/CustomName", t("House")},
          {"/System/MinCellVoltage", r(3.21)},
          {"/System/MinVoltageCellId", t("C3")}}},
        {svc_b,
         {{"/System/MinCellVoltage", r(3.30)},
          {"/System/MinVoltageCellId", t("C1")}}}},
       {{"/System/MinCellVoltage", r(3.21)},
        {"/System/MinVoltageCellId", t("House C3")}}},
      {"min voltage: label from the service suffix",
       {{svc_a,
         {{"/CustomName", t("House")}, {"/System/MinCellVoltage", r(3.30)}}},
        {svc_b,
         {{"/System/MinCellVoltage", r(3.19)},
          {"/System/MinVoltageCellId", t("C8")}}}},
       {{"/System/MinCellVoltage", r(3.19)},
        {"/System/MinVoltageCellId", t("ttyUSB1 C8")}}},
      {"max voltage: holder has no id -> label only",
       {{svc_a, {{"/System/MaxCellVoltage", r(3.45)}}},
        {svc_b,
         {{"/System/MaxCellVoltage", r(3.40)},
          {"/System/MaxVoltageCellId", t("C2")}}}},
       {{"/System/MaxCellVoltage", r(3.45)},
        {"/System/MaxVoltageCellId", t("ttyUSB0")}}},
      {"max voltage: numeric id is no id text",
       {{svc_a,
         {{"/System/MaxCellVoltage", r(3.45)},
          {"/System/MaxVoltageCellId", i(4)}}}},
       {{"/System/MaxVoltageCellId", t("ttyUSB0")}}},
      {"min temperature: below zero",
       {{svc_a,
         {{"/System/MinCellTemperature", r(-2)},
          {"/System/MinTemperatureCellId", t("T1")}}},
        {svc_b,
         {{"/CustomName", t("Shed")},
          {"/System/MinCellTemperature", r(-5.5)},
          {"/System/MinTemperatureCellId", t("T4")}}}},
       {{"/System/MinCellTemperature", r(-5.5)},
        {"/System/MinTemperatureCellId", t("Shed T4")}}},
      {"max temperature: NaN and text skipped",
       {{svc_a,
         {{"/System/MaxCellTemperature", nan},
          {"/System/MaxTemperatureCellId", t("T9")}}},
        {svc_b,
         {{"/System/MaxCellTemperature", r(31)},
          {"/System/MaxTemperatureCellId", t("T2")}}},
        {"com.victronenergy.battery.x",
         {{"/System/MaxCellTemperature", t("99")},
          {"/System/MaxTemperatureCellId", t("T7")}}}},
       {{"/System/MaxCellTemperature", r(31)},
        {"/System/MaxTemperatureCellId", t("ttyUSB1 T2")}}},
      {"tie: the first member in list order holds it",
       {{svc_a,
         {{"/System/MinCellVoltage", r(3.2)},
          {"/System/MinVoltageCellId", t("C1")}}},
        {svc_b,
         {{"/System/MinCellVoltage", r(3.2)},
          {"/System/MinVoltageCellId", t("C2")}}}},
       {{"/System/MinVoltageCellId", t("ttyUSB0 C1")}}},
      {"an id without its value does not count",
       {{svc_a, {{"/System/MinVoltageCellId", t("C1")}}},
        {svc_b,
         {{"/System/MinCellVoltage", none},
          {"/System/MinVoltageCellId", t("C2")}}}},
       {{"/System/MinCellVoltage", none}, {"/System/MinVoltageCellId", none}}},
      {"all invalid -> value and id invalid, not 0",
       {{svc_a,
         {{"/System/MinCellVoltage", nan},
          {"/System/MaxCellVoltage", none},
          {"/System/MinCellTemperature", t("x")},
          {"/System/MaxCellTemperature", pinf}}}},
       {{"/System/MinCellVoltage", none},
        {"/System/MinVoltageCellId", none},
        {"/System/MaxCellVoltage", none},
        {"/System/MaxVoltageCellId", none},
        {"/System/MinCellTemperature", none},
        {"/System/MinTemperatureCellId", none},
        {"/System/MaxCellTemperature", none},
        {"/System/MaxTemperatureCellId", none}}},
      {"no members -> all eight present and invalid",
       {},
       {{"/System/MinCellVoltage", none},
        {"/System/MinVoltageCellId", none},
        {"/System/MaxCellVoltage", none},
        {"/System/MaxVoltageCellId", none},
        {"/System/MinCellTemperature", none},
        {"/System/MinTemperatureCellId", none},
        {"/System/MaxCellTemperature", none},
        {"/System/MaxTemperatureCellId", none}}},
  };
  size_t n = 0;
  for (auto& x : rows) {
    bank b{x.members};
    auto out = cell_extremes(b.views);
    CHECK_ROW(x.label + ": eight paths", i(static_cast<int64_t>(out.size())),
              i(8));
    for (auto& [path, want] : x.expected) {
      CHECK_ROW(x.label + ": " + path, at(out, path), want);
      ++n;
    }
  }
  CAF_MESSAGE(n << " checks");
}

CAF_TEST(cell id is recomputed when only the id changes) {
  // Same value, new id: the Python add-on only reacted to some changes; here
  // every call starts from the members' current values.
  value_map a{{"/System/MinCellVoltage", r(3.2)},
              {"/System/MinVoltageCellId", t("C3")}};
  value_map b{{"/System/MinCellVoltage", r(3.3)},
              {"/System/MinVoltageCellId", t("C1")}};
  std::vector<member_view> ms{{svc_a, &a}, {svc_b, &b}};
  auto first = cell_extremes(ms);
  CHECK_ROW("before", at(first, "/System/MinVoltageCellId"), t("ttyUSB0 C3"));
  a["/System/MinVoltageCellId"] = t("C5");
  auto second = cell_extremes(ms);
  CHECK_ROW("after the id changed", at(second, "/System/MinVoltageCellId"),
            t("ttyUSB0 C5"));
  CHECK_ROW("value unchanged", at(second, "/System/MinCellVoltage"), r(3.2));
  // And a new name changes the label.
  a["/CustomName"] = t("Left");
  auto third = cell_extremes(ms);
  CHECK_ROW("after the name changed", at(third, "/System/MinVoltageCellId"),
            t("Left C5"));
  // The extreme moves to the other member.
  b["/System/MinCellVoltage"] = r(3.1);
  auto fourth = cell_extremes(ms);
  CHECK_ROW("after the other member dropped",
            at(fourth, "/System/MinVoltageCellId"), t("ttyUSB1 C1"));
}

// -- module counts ------------------------------------------------------------

CAF_TEST(module counts are summed as integers) {
  std::vector<row> rows{
      {"two members", {{{"P", i(4)}}, {{"P", i(3)}}}, i(7)},
      {"real wire type still gives an integer",
       {{{"P", r(2)}}, {{"P", i(1)}}},
       i(3)},
      {"zero is a valid sum", {{{"P", i(0)}}, {{"P", i(0)}}}, i(0)},
      {"invalid, NaN and text skipped",
       {{{"P", none}}, {{"P", nan}}, {{"P", t("4")}}, {{"P", i(2)}}},
       i(2)},
      {"all invalid -> invalid, not 0", {{{"P", none}}, {{"P", nan}}}, none},
      {"no members -> invalid", {}, none},
  };
  auto n
      = run_per_path({"/System/NrOfModulesOnline", "/System/NrOfModulesOffline",
                      "/System/NrOfModulesBlockingCharge",
                      "/System/NrOfModulesBlockingDischarge"},
                     rows, count_sum);
  CAF_MESSAGE(n << " rows");
}

// -- /System/NrOfCellsPerBattery ----------------------------------------------

CAF_TEST(cells per battery is the common value or invalid with a warning) {
  struct cells_row {
    std::string label;
    std::vector<named> members;
    value expected;
    bool warns;
  };
  auto c = [](value v) { return member{{"/System/NrOfCellsPerBattery", v}}; };
  std::vector<cells_row> rows{
      {"all agree", {{svc_a, c(i(16))}, {svc_b, c(r(16))}}, i(16), false},
      {"single member", {{svc_a, c(i(8))}}, i(8), false},
      {"disagreement -> invalid and a warning",
       {{svc_a, c(i(16))}, {svc_b, c(i(15))}},
       none,
       true},
      {"disagreement with a third member that agrees with the first",
       {{svc_a, c(i(16))}, {svc_b, c(i(15))}, {"x.y.z", c(i(16))}},
       none,
       true},
      {"invalid, NaN and text are not a disagreement",
       {{svc_a, c(i(16))},
        {svc_b, c(nan)},
        {"x.y.z", c(t("15"))},
        {"x.y.w", c(none)}},
       i(16),
       false},
      {"all invalid -> invalid, no warning",
       {{svc_a, c(none)}, {svc_b, c(nan)}},
       none,
       false},
      {"no members -> invalid, no warning", {}, none, false},
  };
  for (auto& x : rows) {
    bank b{x.members};
    std::string warning = "stale text from an earlier call";
    CHECK_ROW(x.label, cells_per_battery(b.views, &warning), x.expected);
    CHECK_ROW(x.label + ": warns", i(warning.empty() ? 0 : 1),
              i(x.warns ? 1 : 0));
    if (x.warns) {
      // The warning must say who disagrees, or nobody can fix it.
      CHECK_ROW(x.label + ": names the first member",
                i(warning.find(svc_a) != std::string::npos), i(1));
      CHECK_ROW(x.label + ": names the second member",
                i(warning.find(svc_b) != std::string::npos), i(1));
    }
  }
  // A null out-parameter is allowed.
  bank b{std::vector<named>{{svc_a, c(i(16))}, {svc_b, c(i(15))}}};
  CHECK_ROW("null warning pointer", cells_per_battery(b.views, nullptr), none);
  CAF_MESSAGE(rows.size() << " rows");
}

// -- alarms -------------------------------------------------------------------

CAF_TEST(standard alarm list matches venus - dbus section 4.3) {
  auto& xs = standard_alarms();
  // venus-dbus 4.3 plus the two venus-platform notifies that it lacks
  // (gx-native.md 2).
  CHECK_ROW("count", i(static_cast<int64_t>(xs.size())), i(28));
  CHECK_ROW("first", t(xs.front()), t("/Alarms/Alarm"));
  CHECK_ROW("last", t(xs.back()), t("/Alarms/ParallelBmsLost"));
  for (auto* p :
       {"/Alarms/LowVoltage", "/Alarms/HighCellVoltage", "/Alarms/LowSoc",
        "/Alarms/CellImbalance", "/Alarms/FuseBlown", "/Alarms/BmsCable",
        "/Alarms/StateOfHealth", "/Alarms/HighInternalTemperature",
        "/Alarms/FirmwareUpdateFailure", "/Alarms/ParallelBmsLost"})
    CHECK_ROW(p, i(std::count(xs.begin(), xs.end(), p)), i(1));
}

CAF_TEST(every standard alarm is the max of members) {
  std::vector<row> rows{
      {"worst member wins",
       {{{"P", i(0)}}, {{"P", i(2)}}, {{"P", i(1)}}},
       i(2)},
      {"all ok -> 0 (valid)", {{{"P", i(0)}}, {{"P", i(0)}}}, i(0)},
      {"real wire type gives an integer", {{{"P", r(1)}}}, i(1)},
      {"invalid, NaN and text skipped",
       {{{"P", none}}, {{"P", nan}}, {{"P", t("2")}}, {{"P", i(1)}}},
       i(1)},
      {"all invalid -> present and invalid",
       {{{"P", none}}, {{"P", nan}}},
       none},
      {"one member has it invalid, the other lacks it -> present, invalid",
       {{{"P", none}}, {{"/Soc", r(5)}}},
       none},
      {"nobody published it -> absent", {{{"/Soc", r(5)}}, {}}, absent},
      {"no members -> absent", {}, absent},
  };
  auto rule = [](const member_list& ms, const std::string& path) {
    return at(aggregate_alarms(ms), path);
  };
  auto n = run_per_path(standard_alarms(), rows, rule);
  CAF_MESSAGE(n << " rows");
}

CAF_TEST(only published alarms are present) {
  bank b{std::vector<member>{
      {{"/Alarms/LowVoltage", i(0)}, {"/Alarms/HighVoltage", none}},
      {{"/Alarms/LowVoltage", i(1)}, {"/Alarms/Foo", i(2)}}}};
  auto out = aggregate_alarms(b.list);
  // And /ErrorCode, always.
  CHECK_ROW("exactly two alarms and the error code",
            i(static_cast<int64_t>(out.size())), i(3));
  CHECK_ROW("no error", at(out, "/ErrorCode"), i(0));
  CHECK_ROW("LowVoltage", at(out, "/Alarms/LowVoltage"), i(1));
  CHECK_ROW("HighVoltage", at(out, "/Alarms/HighVoltage"), none);
  CHECK_ROW("non-standard alarm is not aggregated", at(out, "/Alarms/Foo"),
            absent);
}

CAF_TEST(the error code is the first nonzero one by member order) {
  std::vector<row> rows{
      {"none publishes it -> 0", {{{"/Soc", r(5)}}, {}}, i(0)},
      {"no members -> 0", {}, i(0)},
      {"all 0 -> 0", {{{"P", i(0)}}, {{"P", i(0)}}}, i(0)},
      {"first nonzero in order, not the largest",
       {{{"P", i(0)}}, {{"P", i(14)}}, {{"P", i(30)}}},
       i(14)},
      {"invalid, NaN and text skipped",
       {{{"P", none}}, {{"P", nan}}, {{"P", t("7")}}, {{"P", r(8)}}},
       i(8)},
  };
  auto rule = [](const member_list& ms, const std::string& path) {
    return at(aggregate_alarms(ms), path);
  };
  auto n = run_per_path({"/ErrorCode"}, rows, rule);
  CAF_MESSAGE(n << " rows");
}

// -- /History ----------------------------------------------------------------

namespace {

/// Capacity-weighted mean rows, for ChargeCycles and FullDischarges.
const std::vector<row> weighted_rows{
    {"100 Ah @ 10 + 300 Ah @ 30 -> 25",
     {{{"P", i(10)}, {"/InstalledCapacity", r(100)}},
      {{"P", i(30)}, {"/InstalledCapacity", r(300)}}},
     r(25)},
    {"one lacks capacity -> plain mean",
     {{{"P", i(10)}, {"/InstalledCapacity", r(100)}}, {{"P", i(30)}}},
     r(20)},
    {"capacity 0 or NaN counts as missing -> plain mean",
     {{{"P", i(10)}, {"/InstalledCapacity", r(0)}},
      {{"P", i(30)}, {"/InstalledCapacity", nan}}},
     r(20)},
    {"member without the path does not weigh in",
     {{{"P", i(10)}, {"/InstalledCapacity", r(100)}},
      {{"/InstalledCapacity", r(900)}}},
     r(10)},
    {"NaN and text skipped",
     {{{"P", i(10)}, {"/InstalledCapacity", r(100)}},
      {{"P", nan}, {"/InstalledCapacity", r(100)}},
      {{"P", t("5")}}},
     r(10)},
    {"all invalid -> invalid, not 0",
     {{{"P", none}, {"/InstalledCapacity", r(100)}}, {{"P", nan}}},
     none},
    {"no members -> invalid", {}, none},
};

const std::vector<row> sum_rows{
    {"two members", {{{"P", r(120.5)}}, {{"P", i(80)}}}, r(200.5)},
    {"zero is a valid sum", {{{"P", r(0)}}}, r(0)},
    {"invalid, NaN, Inf and text skipped",
     {{{"P", none}},
      {{"P", nan}},
      {{"P", pinf}},
      {{"P", t("9")}},
      {{"P", r(3)}}},
     r(3)},
    {"all invalid -> invalid, not 0", {{{"P", none}}, {{"P", nan}}}, none},
    {"no members -> invalid", {}, none},
};

} // namespace

CAF_TEST(history rules sum min max and weight) {
  auto history_at = [](const member_list& ms, const std::string& path) {
    return at(aggregate_history(ms), path);
  };
  size_t n = 0;
  n += run_per_path({"/History/ChargedEnergy", "/History/DischargedEnergy",
                     "/History/TotalAhDrawn"},
                    sum_rows, history_at);
  n += run_per_path({"/History/MinimumVoltage", "/History/MinimumCellVoltage",
                     "/History/MinimumTemperature"},
                    min_rows, history_at);
  n += run_per_path({"/History/MaximumVoltage", "/History/MaximumCellVoltage",
                     "/History/MaximumTemperature"},
                    max_rows, history_at);
  n += run_per_path({"/History/ChargeCycles", "/History/FullDischarges"},
                    weighted_rows, history_at);
  // The generic helpers behind them, directly.
  n += run_per_path({"/Any"}, sum_rows, sum_over);
  n += run_per_path({"/Any"}, min_rows, min_over);
  n += run_per_path({"/Any"}, max_rows, max_over);
  n += run_per_path({"/Any"}, weighted_rows, capacity_weighted_mean);
  bank empty{std::vector<member>{}};
  CHECK_ROW("always all eleven history paths",
            i(static_cast<int64_t>(aggregate_history(empty.list).size())),
            i(11));
  CAF_MESSAGE(n << " rows");
}

// -- aggregate_bank_extras ----------------------------------------------------

CAF_TEST(bank extras return every row keyed by path) {
  bank b{std::vector<named>{{svc_a,
                             {{"/Balancing", i(1)},
                              {"/Io/AllowToCharge", i(0)},
                              {"/Io/AllowToDischarge", i(1)},
                              {"/Info/BatteryLowVoltage", r(44)},
                              {"/Info/ChargeMode", t("Float")},
                              {"/System/MinCellVoltage", r(3.2)},
                              {"/System/MinVoltageCellId", t("C1")},
                              {"/System/NrOfModulesOnline", i(4)},
                              {"/System/NrOfCellsPerBattery", i(16)},
                              {"/Alarms/LowSoc", i(1)},
                              {"/History/ChargedEnergy", r(100)}}},
                            {svc_b,
                             {{"/CustomName", t("B")},
                              {"/Balancing", i(0)},
                              {"/Io/AllowToCharge", i(1)},
                              {"/Info/ChargeMode", t("Bulk")},
                              {"/System/MinCellVoltage", r(3.1)},
                              {"/System/MinVoltageCellId", t("C7")},
                              {"/System/NrOfModulesOnline", i(2)},
                              {"/System/NrOfCellsPerBattery", i(15)},
                              {"/Alarms/LowSoc", i(2)},
                              {"/Alarms/BmsCable", i(0)},
                              {"/History/ChargedEnergy", r(50)}}}}};
  std::vector<std::string> warnings{"earlier"};
  auto out = aggregate_bank_extras(b.views, &warnings);
  std::vector<entry> expected{
      {"/Balancing", i(1)},
      {"/Io/AllowToBalance", none},
      {"/Io/AllowToCharge", i(1)},
      {"/Io/AllowToDischarge", i(1)},
      {"/Info/ChargeRequest", none},
      {"/Info/BatteryLowVoltage", r(44)},
      {"/Info/ChargeMode", t("Float Transition")},
      {"/System/MinCellVoltage", r(3.1)},
      {"/System/MinVoltageCellId", t("B C7")},
      {"/System/MaxCellVoltage", none},
      {"/System/MaxVoltageCellId", none},
      {"/System/MinCellTemperature", none},
      {"/System/MinTemperatureCellId", none},
      {"/System/MaxCellTemperature", none},
      {"/System/MaxTemperatureCellId", none},
      {"/System/NrOfModulesOnline", i(6)},
      {"/System/NrOfModulesOffline", none},
      {"/System/NrOfModulesBlockingCharge", none},
      {"/System/NrOfModulesBlockingDischarge", none},
      {"/System/NrOfCellsPerBattery", none},
      {"/Alarms/LowSoc", i(2)},
      {"/Alarms/BmsCable", i(0)},
      {"/ErrorCode", i(0)},
      {"/History/ChargedEnergy", r(150)},
      {"/History/ChargeCycles", none},
  };
  for (auto& [path, want] : expected)
    CHECK_ROW(path, at(out, path), want);
  // 5 flags + low voltage + mode + 8 cell + 4 modules + cells + 2 alarms +
  // the error code + 11 history.
  CHECK_ROW("path count", i(static_cast<int64_t>(out.size())), i(34));
  CHECK_ROW("unpublished alarm absent", at(out, "/Alarms/LowVoltage"), absent);
  CHECK_ROW("one warning appended", i(static_cast<int64_t>(warnings.size())),
            i(2));
  CHECK_ROW("earlier warning kept", t(warnings.front()), t("earlier"));
  // Without a warnings vector the call still works.
  auto again = aggregate_bank_extras(b.views, nullptr);
  CHECK_ROW("same result without warnings",
            i(static_cast<int64_t>(again.size())), i(34));
  bank none_bank{std::vector<named>{}};
  auto empty = aggregate_bank_extras(none_bank.views, &warnings);
  CHECK_ROW("no members: no alarms, 31 invalid paths and the error code",
            i(static_cast<int64_t>(empty.size())), i(32));
  size_t valid = 0;
  for (auto& kv : empty)
    valid += kv.second.valid() ? 1 : 0;
  // "No member reports an error" is true of an empty bank.
  CHECK_ROW("no members: only the error code valid",
            i(static_cast<int64_t>(valid)), i(1));
  CHECK_ROW("no members: error code", at(empty, "/ErrorCode"), i(0));
}
