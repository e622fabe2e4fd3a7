#define CAF_SUITE virtual_rules
#include <caf/test/unit_test.hpp>

#include "tests/unit/rule_table.hpp"

#include "tests/unit/rule_test_support.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "actors/rules/virtual_rules.hpp"

// Table-driven tests of the virtual-battery rules (product.md section 3):
// the merge kind, the series table, the hooks and their precedence by
// position. Every row names its case; a failing row prints that name with
// the actual and expected value.

using namespace ba;
using namespace ba::test;

namespace {

// Local, not in the shared header: `nan` there would clash with ::nan.
const value none = value::invalid();
const value nan = value::real(std::numeric_limits<double>::quiet_NaN());
const value pinf = value::real(std::numeric_limits<double>::infinity());

// -- values -------------------------------------------------------------------

using entry = std::pair<std::string, value>;
using member = std::vector<entry>;
using table = std::vector<std::pair<double, double>>;

// -- comparing results --------------------------------------------------------

/// Checks every expected (path, value) of a row against `got`; returns the
/// number of checks.
size_t check_paths(const std::string& label, const value_map& got,
                   const member& expected) {
  for (auto& [path, v] : expected)
    CHECK_ROW(label + " " + path, at(got, path), v);
  return expected.size();
}

// -- virtual battery inputs ---------------------------------------------------

/// One entry of a virtual battery's list: a source or a hook.
struct in_spec {
  bool all = true;
  std::vector<std::string> paths;
  bool online = true;
  member values;
  bool hook = false;
  hook_spec h;
};

/// A source used for every path it has (`[]` or the list form).
in_spec src(member values) {
  return in_spec{true, {}, true, std::move(values), false, {}};
}

/// A source used for the listed paths only.
in_spec listed(std::vector<std::string> paths, member values) {
  return in_spec{false, std::move(paths), true, std::move(values), false, {}};
}

/// A source that does not count (off the bus): its values are not passed.
in_spec away(in_spec x) {
  x.online = false;
  return x;
}

in_spec fixed(std::string path, value v) {
  hook_spec h;
  h.kind = "hooks.FixedValueHook";
  h.key = "hooks.FixedValueHook#" + path;
  h.path = std::move(path);
  h.fixed = std::move(v);
  return in_spec{true, {}, true, {}, true, std::move(h)};
}

in_spec charging(const char* kind, table ccls, table dcls) {
  hook_spec h;
  h.kind = kind;
  h.key = kind;
  h.ccls = std::move(ccls);
  h.dcls = std::move(dcls);
  return in_spec{true, {}, true, {}, true, std::move(h)};
}

in_spec volt_hook(table ccls, table dcls = {}) {
  return charging("hooks.CustomChargingHook", std::move(ccls), std::move(dcls));
}

in_spec temp_hook(table ccls, table dcls = {}) {
  return charging("hooks.TemperatureChargingHook", std::move(ccls),
                  std::move(dcls));
}

/// Owns the refs and maps and hands out the vb_input list, as the virtual
/// battery actor would.
struct inputs {
  std::vector<in_spec> specs;
  std::vector<source_ref> refs;
  std::vector<value_map> maps;
  std::vector<vb_input> in;

  explicit inputs(std::vector<in_spec> xs) : specs(std::move(xs)) {
    for (size_t k = 0; k < specs.size(); ++k) {
      auto& s = specs[k];
      auto name = s.hook ? "class:" + s.h.key
                         : "com.victronenergy.battery.s" + std::to_string(k);
      refs.push_back(source_ref{name, s.paths, s.all});
      maps.emplace_back(s.values.begin(), s.values.end());
    }
    // Pointers only after the vectors stopped growing.
    for (size_t k = 0; k < specs.size(); ++k) {
      auto& s = specs[k];
      in.push_back(vb_input{&refs[k], s.hook || !s.online ? nullptr : &maps[k],
                            s.hook ? &s.h : nullptr});
    }
  }
};

/// A row over a list of inputs: expected (path, value) pairs; paths not
/// named are not checked; `absent` checks a path is not published.
struct in_row {
  std::string label;
  std::vector<in_spec> entries;
  member expected;
};

constexpr char V[] = "/Dc/0/Voltage";
constexpr char I[] = "/Dc/0/Current";
constexpr char P[] = "/Dc/0/Power";
constexpr char T[] = "/Dc/0/Temperature";
constexpr char CCL[] = "/Info/MaxChargeCurrent";
constexpr char DCL[] = "/Info/MaxDischargeCurrent";
constexpr char CVL[] = "/Info/MaxChargeVoltage";
constexpr char LOWV[] = "/Info/BatteryLowVoltage";

/// The spec's example table (product.md section 3).
const table spec_ccls{{12, 10}, {13, 15}};

} // namespace

// -- table_lookup -------------------------------------------------------------

CAF_TEST(table lookup takes the largest threshold not above the value) {
  struct lookup_row {
    std::string label;
    table tab;
    double x;
    value expected;
  };
  const double qnan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<lookup_row> rows{
      {"spec example 13.2 V -> 15 A", spec_ccls, 13.2, r(15)},
      {"spec example 12.6 V -> 10 A", spec_ccls, 12.6, r(10)},
      {"spec example 11.9 V -> no value", spec_ccls, 11.9, none},
      {"exactly the first threshold", spec_ccls, 12, r(10)},
      {"exactly the last threshold", spec_ccls, 13, r(15)},
      {"just below a threshold", spec_ccls, 12.999, r(10)},
      {"far above the last threshold", spec_ccls, 1000, r(15)},
      {"empty table -> no value", {}, 13, none},
      {"single entry at it", {{0, 5}}, 0, r(5)},
      {"single entry below it", {{0, 5}}, -0.1, none},
      {"negative thresholds", {{-10, 1}, {0, 2}}, -5, r(1)},
      {"zero amps is a value", {{0, 50}, {45, 0}}, 50, r(0)},
      {"NaN key -> no value", spec_ccls, qnan, none},
      {"+Inf key -> no value", spec_ccls, inf, none},
      {"-Inf key -> no value", spec_ccls, -inf, none},
      {"non-finite amps -> no value", {{12, qnan}}, 13, none},
  };
  for (auto& x : rows) {
    // Converted outside the check macro: no caf::optional temporaries inside
    // CAF_CHECK_EQUAL (g++ -O2, caf-sdbus-notes.md section 3).
    auto got = table_lookup(x.tab, x.x);
    value v = got ? r(*got) : none;
    CHECK_ROW(x.label, v, x.expected);
  }
  CAF_MESSAGE(rows.size() << " rows");
}

// -- merge kind ---------------------------------------------------------------

CAF_TEST(merge takes the first usable value in config order) {
  std::vector<in_row> rows{
      {"first source wins",
       {src({{V, r(52)}}), src({{V, r(53)}})},
       {{V, r(52)}}},
      {"order reversed -> the other wins",
       {src({{V, r(53)}}), src({{V, r(52)}})},
       {{V, r(53)}}},
      {"invalid skipped", {src({{V, none}}), src({{V, r(53)}})}, {{V, r(53)}}},
      {"NaN and Inf skipped",
       {src({{V, nan}}), src({{V, pinf}}), src({{V, r(53)}})},
       {{V, r(53)}}},
      {"text at a numeric path skipped",
       {src({{V, t("52")}}), src({{V, r(53)}})},
       {{V, r(53)}}},
      {"number at a text path skipped",
       {src({{"/Info/ChargeMode", i(3)}}),
        src({{"/Info/ChargeMode", t("Bulk")}})},
       {{"/Info/ChargeMode", t("Bulk")}}},
      {"integer kind kept",
       {src({{"/Alarms/LowSoc", i(1)}})},
       {{"/Alarms/LowSoc", i(1)}}},
      {"all invalid -> present and invalid",
       {src({{V, none}}), src({{V, nan}})},
       {{V, none}}},
      {"listed paths only",
       {listed({"/Soc"}, {{"/Soc", r(80)}, {V, r(52)}}),
        src({{"/Soc", r(70)}, {V, r(53)}})},
       {{"/Soc", r(80)}, {V, r(53)}}},
      {"listed path the source lacks -> next source",
       {listed({"/Soc", I}, {{"/Soc", r(80)}}), src({{I, r(-4)}})},
       {{"/Soc", r(80)}, {I, r(-4)}}},
      {"empty list = all paths",
       {listed({}, {}), src({{"/Soc", r(80)}, {"/Info/Location", t("boat")}})},
       {{"/Soc", r(80)}, {"/Info/Location", t("boat")}}},
      {"unknown paths pass through",
       {src({{"/Info/Location", t("shed")}, {"/Custom/X", r(1.5)}})},
       {{"/Info/Location", t("shed")}, {"/Custom/X", r(1.5)}}},
      {"path nobody has is absent", {src({{V, r(52)}})}, {{"/Soc", absent}}},
      {"identity paths never copied",
       {src({{"/CustomName", t("mine")},
             {"/DeviceInstance", i(7)},
             {"/ProductName", t("BMS")},
             {"/Serial", t("123")},
             {"/Connected", i(1)},
             {"/Mgmt/ProcessName", t("bms")},
             {"/System/NrOfBatteries", i(4)},
             {"/System/BatteriesSeries", i(4)},
             {"/Soc", r(80)}})},
       {{"/CustomName", absent},
        {"/DeviceInstance", absent},
        {"/ProductName", absent},
        {"/Serial", absent},
        {"/Connected", absent},
        {"/Mgmt/ProcessName", absent},
        {"/System/NrOfBatteries", absent},
        {"/System/BatteriesSeries", absent},
        {"/Soc", r(80)}}},
      {"identity paths never copied even when listed",
       {listed({"/CustomName", "/DeviceInstance", "/Soc"},
               {{"/CustomName", t("mine")},
                {"/DeviceInstance", i(7)},
                {"/Soc", r(80)}})},
       {{"/CustomName", absent}, {"/DeviceInstance", absent}, {"/Soc", r(80)}}},
      {"source away: its listed path stays present and invalid",
       {away(listed({"/Info/Location"}, {{"/Info/Location", t("x")}}))},
       {{"/Info/Location", none}}},
      {"source away: the next source provides",
       {away(src({{V, r(52)}})), src({{V, r(53)}})},
       {{V, r(53)}}},
      {"source away with all paths contributes no path",
       {away(src({{"/Soc", r(80)}})), src({{V, r(53)}})},
       {{"/Soc", absent}, {V, r(53)}}},
      {"no inputs -> empty", {}, {{V, absent}, {CCL, absent}}},
  };
  size_t n = 0;
  for (auto& x : rows) {
    inputs in{x.entries};
    n += check_paths(x.label, merge_kind(in.in), x.expected);
  }
  CAF_MESSAGE(rows.size() << " rows, " << n << " checks");
}

CAF_TEST(merge fixed value hook takes effect at its position) {
  std::vector<in_row> rows{
      {"fixed number before the member overrides it",
       {fixed("/Soc", r(50)), src({{"/Soc", r(80)}})},
       {{"/Soc", r(50)}}},
      {"fixed number after the member only fills a gap",
       {src({{"/Soc", r(80)}}), fixed("/Soc", r(50))},
       {{"/Soc", r(80)}}},
      {"fixed number after an invalid member",
       {src({{"/Soc", none}}), fixed("/Soc", r(50))},
       {{"/Soc", r(50)}}},
      {"fixed number between two members",
       {src({{"/Soc", none}}), fixed("/Soc", r(50)), src({{"/Soc", r(70)}})},
       {{"/Soc", r(50)}}},
      {"fixed integer keeps its kind",
       {fixed("/Io/AllowToCharge", i(0)), src({{"/Io/AllowToCharge", i(1)}})},
       {{"/Io/AllowToCharge", i(0)}}},
      {"fixed string before the member",
       {fixed("/Info/ChargeMode", t("Float")),
        src({{"/Info/ChargeMode", t("Bulk")}})},
       {{"/Info/ChargeMode", t("Float")}}},
      {"fixed string on a pass-through path nobody has",
       {fixed("/Info/Location", t("garage")), src({{V, r(52)}})},
       {{"/Info/Location", t("garage")}, {V, r(52)}}},
      {"fixed null forces invalid over valid members",
       {fixed("/Soc", none), src({{"/Soc", r(80)}}), src({{"/Soc", r(70)}})},
       {{"/Soc", none}}},
      {"fixed null after a valid member: the member wins",
       {src({{"/Soc", r(80)}}), fixed("/Soc", none)},
       {{"/Soc", r(80)}}},
      {"fixed null after an invalid member still stops later members",
       {src({{"/Soc", none}}), fixed("/Soc", none), src({{"/Soc", r(70)}})},
       {{"/Soc", none}}},
      {"fixed only touches its path",
       {fixed("/Soc", r(50)), src({{"/Soc", r(80)}, {V, r(52)}})},
       {{"/Soc", r(50)}, {V, r(52)}}},
      {"first of two fixed hooks wins",
       {fixed("/Soc", r(50)), fixed("/Soc", r(60)), src({{"/Soc", r(80)}})},
       {{"/Soc", r(50)}}},
      {"fixed on an identity path is ignored",
       {fixed("/CustomName", t("x")), src({{"/Soc", r(80)}})},
       {{"/CustomName", absent}, {"/Soc", r(80)}}},
      {"fixed does not change a charging hook key",
       {fixed(V, r(11)), volt_hook(spec_ccls), src({{V, r(13.2)}})},
       {{V, r(11)}, {CCL, r(15)}}},
  };
  size_t n = 0;
  for (auto& x : rows) {
    inputs in{x.entries};
    n += check_paths(x.label, merge_kind(in.in), x.expected);
  }
  CAF_MESSAGE(rows.size() << " rows, " << n << " checks");
}

CAF_TEST(merge voltage charging hook follows the table) {
  const table dcls{{10, 100}, {11.5, 200}};
  auto bat = [](value v, value ccl) {
    return src({{V, std::move(v)}, {CCL, std::move(ccl)}, {DCL, r(300)}});
  };
  std::vector<in_row> rows{
      {"spec example 13.2 V -> 15 A",
       {volt_hook(spec_ccls), bat(r(13.2), r(100))},
       {{CCL, r(15)}}},
      {"spec example 12.6 V -> 10 A",
       {volt_hook(spec_ccls), bat(r(12.6), r(100))},
       {{CCL, r(10)}}},
      {"spec example 11.9 V -> no value: the member's CCL",
       {volt_hook(spec_ccls), bat(r(11.9), r(100))},
       {{CCL, r(100)}}},
      {"11.9 V and no member CCL -> invalid",
       {volt_hook(spec_ccls), src({{V, r(11.9)}})},
       {{CCL, none}}},
      {"exactly 13 V -> 15 A",
       {volt_hook(spec_ccls), bat(r(13), r(100))},
       {{CCL, r(15)}}},
      {"voltage invalid -> the member's CCL",
       {volt_hook(spec_ccls), bat(none, r(100))},
       {{CCL, r(100)}}},
      {"no voltage at all -> present and invalid",
       {volt_hook(spec_ccls), src({{"/Soc", r(50)}})},
       {{CCL, none}, {DCL, none}}},
      {"dcls table gives DCL",
       {volt_hook(spec_ccls, dcls), bat(r(12.6), r(100))},
       {{CCL, r(10)}, {DCL, r(200)}}},
      {"no dcls -> the member's DCL",
       {volt_hook(spec_ccls), bat(r(13.2), r(100))},
       {{DCL, r(300)}}},
      {"hook after the member: the member's limits win",
       {bat(r(13.2), r(100)), volt_hook(spec_ccls, dcls)},
       {{CCL, r(100)}, {DCL, r(300)}}},
      {"hook after a member without DCL gives DCL",
       {src({{V, r(13.2)}, {CCL, r(100)}}), volt_hook(spec_ccls, dcls)},
       {{CCL, r(100)}, {DCL, r(200)}}},
      {"hook after a member with a CCL: the member wins",
       {src({{V, r(13.2)}, {CCL, r(100)}}), volt_hook(spec_ccls)},
       {{CCL, r(100)}}},
      {"hook after a member whose CCL is invalid",
       {src({{V, r(13.2)}, {CCL, none}}), volt_hook(spec_ccls)},
       {{CCL, r(15)}}},
      {"key is the merged voltage: listed paths respected",
       {volt_hook(spec_ccls), listed({"/Soc"}, {{V, r(12.6)}}),
        src({{V, r(13.2)}})},
       {{CCL, r(15)}}},
      {"key is the merged voltage: first source in order",
       {volt_hook(spec_ccls), src({{V, r(12.6)}}), src({{V, r(13.2)}})},
       {{CCL, r(10)}}},
      {"key skips an invalid voltage",
       {volt_hook(spec_ccls), src({{V, nan}}), src({{V, r(13.2)}})},
       {{CCL, r(15)}}},
      {"fixed CCL before the hook wins",
       {fixed(CCL, r(20)), volt_hook(spec_ccls), bat(r(13.2), r(100))},
       {{CCL, r(20)}}},
      {"hook before fixed CCL wins where it has a value",
       {volt_hook(spec_ccls), fixed(CCL, r(20)), bat(r(13.2), r(100))},
       {{CCL, r(15)}}},
      {"hook before fixed CCL: fixed below every threshold",
       {volt_hook(spec_ccls), fixed(CCL, r(20)), bat(r(11.9), r(100))},
       {{CCL, r(20)}}},
  };
  size_t n = 0;
  for (auto& x : rows) {
    inputs in{x.entries};
    n += check_paths(x.label, merge_kind(in.in), x.expected);
  }
  CAF_MESSAGE(rows.size() << " rows, " << n << " checks");
}

CAF_TEST(merge temperature charging hook follows the table) {
  const table ccls{{0, 10}, {5, 50}, {45, 0}};
  const table dcls{{-20, 30}, {55, 0}};
  auto bat = [](value temp) {
    return src(
        {{T, std::move(temp)}, {V, r(13.2)}, {CCL, r(100)}, {DCL, r(200)}});
  };
  std::vector<in_row> rows{
      {"20 degC",
       {temp_hook(ccls, dcls), bat(r(20))},
       {{CCL, r(50)}, {DCL, r(30)}}},
      {"exactly 5 degC", {temp_hook(ccls, dcls), bat(r(5))}, {{CCL, r(50)}}},
      {"2 degC", {temp_hook(ccls, dcls), bat(r(2))}, {{CCL, r(10)}}},
      {"too hot to charge: 0 A is a value",
       {temp_hook(ccls, dcls), bat(r(50))},
       {{CCL, r(0)}, {DCL, r(30)}}},
      {"below every threshold: the member's limits",
       {temp_hook(ccls, dcls), bat(r(-25))},
       {{CCL, r(100)}, {DCL, r(200)}}},
      {"temperature invalid: the member's limits",
       {temp_hook(ccls, dcls), bat(none)},
       {{CCL, r(100)}, {DCL, r(200)}}},
      {"not looked up by voltage",
       {temp_hook({{13, 1}}), src({{V, r(13.2)}, {T, r(2)}, {CCL, r(100)}})},
       {{CCL, r(100)}}},
      {"after the member: only fills a gap",
       {bat(r(20)), temp_hook(ccls, dcls)},
       {{CCL, r(100)}, {DCL, r(200)}}},
      {"voltage hook first wins over temperature hook",
       {volt_hook(spec_ccls), temp_hook(ccls), bat(r(20))},
       {{CCL, r(15)}}},
      {"temperature hook first wins over voltage hook",
       {temp_hook(ccls), volt_hook(spec_ccls), bat(r(20))},
       {{CCL, r(50)}}},
      {"temperature hook without value: the voltage hook next",
       {temp_hook(ccls), volt_hook(spec_ccls), bat(r(-5))},
       {{CCL, r(15)}}},
  };
  size_t n = 0;
  for (auto& x : rows) {
    inputs in{x.entries};
    n += check_paths(x.label, merge_kind(in.in), x.expected);
  }
  CAF_MESSAGE(rows.size() << " rows, " << n << " checks");
}

// -- series kind --------------------------------------------------------------

namespace {

/// A series row: members (nullptr-valued when `counts` is false for one),
/// the complete flag and the expected paths.
struct series_row {
  std::string label;
  std::vector<member> members;
  member expected;
  bool complete = true;
  /// Indices of members that do not count (values nullptr).
  std::vector<size_t> lost = {};
};

struct string_of {
  std::vector<value_map> maps;
  std::vector<std::string> services;
  std::vector<member_view> views;

  string_of(const std::vector<member>& ms, const std::vector<size_t>& lost) {
    for (auto& m : ms) {
      maps.emplace_back(m.begin(), m.end());
      services.push_back("com.victronenergy.battery.m"
                         + std::to_string(services.size()));
    }
    for (size_t k = 0; k < maps.size(); ++k) {
      bool gone = std::find(lost.begin(), lost.end(), k) != lost.end();
      views.push_back(member_view{services[k], gone ? nullptr : &maps[k]});
    }
  }
};

size_t run_series(const std::vector<series_row>& rows) {
  size_t n = 0;
  for (auto& x : rows) {
    string_of s{x.members, x.lost};
    n += check_paths(x.label, series_kind(s.views, x.complete), x.expected);
  }
  return n;
}

} // namespace

CAF_TEST(series sums voltage power and voltage limits strictly) {
  std::vector<series_row> rows{
      {"voltage = sum",
       {{{V, r(13.1)}}, {{V, r(13.2)}}, {{V, i(13)}}},
       {{V, r(39.3)}}},
      {"voltage: a member lacking it -> invalid",
       {{{V, r(13.1)}}, {{"/Soc", r(50)}}, {{V, r(13.3)}}},
       {{V, none}}},
      {"voltage: a member invalid -> invalid",
       {{{V, r(13.1)}}, {{V, none}}},
       {{V, none}}},
      {"voltage: NaN -> invalid", {{{V, r(13.1)}}, {{V, nan}}}, {{V, none}}},
      {"voltage: text -> invalid",
       {{{V, r(13.1)}}, {{V, t("13")}}},
       {{V, none}}},
      {"power = sum", {{{P, r(100)}}, {{P, r(120)}}}, {{P, r(220)}}},
      {"power: member without it contributes V x I",
       {{{P, r(100)}}, {{V, r(13)}, {I, r(10)}}},
       {{P, r(230)}}},
      {"power: member without power and current uses the string current",
       {{{P, r(100)}, {I, r(10)}}, {{V, r(13)}}},
       {{P, r(230)}}},
      {"power: member without power and voltage -> invalid",
       {{{P, r(100)}}, {{I, r(10)}}},
       {{P, none}}},
      {"power: nobody has a current -> invalid",
       {{{V, r(13)}}, {{V, r(13)}}},
       {{P, none}}},
      {"CVL = sum of members' CVLs",
       {{{CVL, r(14.2)}}, {{CVL, r(14.2)}}, {{CVL, r(14.4)}}},
       {{CVL, r(42.8)}}},
      {"CVL: a member lacking it -> invalid",
       {{{CVL, r(14.2)}}, {{V, r(13)}}},
       {{CVL, none}}},
      {"battery low voltage = sum",
       {{{LOWV, r(11)}}, {{LOWV, r(11.5)}}},
       {{LOWV, r(22.5)}}},
      {"battery low voltage: a member lacking it -> invalid",
       {{{LOWV, r(11)}}, {{LOWV, pinf}}},
       {{LOWV, none}}},
      {"no members -> sums invalid",
       {},
       {{V, none}, {P, none}, {CVL, none}, {LOWV, none}}},
  };
  auto n = run_series(rows);
  CAF_MESSAGE(rows.size() << " rows, " << n << " checks");
}

CAF_TEST(series takes the mean current and the weakest member) {
  std::vector<series_row> rows{
      {"current = mean", {{{I, r(10)}}, {{I, r(10.2)}}}, {{I, r(10.1)}}},
      {"current: member without it skipped",
       {{{I, r(10)}}, {{V, r(13)}}, {{I, r(11)}}},
       {{I, r(10.5)}}},
      {"current: none -> invalid", {{{V, r(13)}}}, {{I, none}}},
      {"SoC = min",
       {{{"/Soc", r(80)}}, {{"/Soc", r(65)}}, {{"/Soc", r(90)}}},
       {{"/Soc", r(65)}}},
      {"SoC: invalid skipped",
       {{{"/Soc", r(80)}}, {{"/Soc", none}}},
       {{"/Soc", r(80)}}},
      {"SoC: all invalid -> invalid not 0",
       {{{"/Soc", none}}, {{"/Soc", nan}}},
       {{"/Soc", none}}},
      {"SoH = min", {{{"/Soh", r(98)}}, {{"/Soh", r(91)}}}, {{"/Soh", r(91)}}},
      {"capacity = min",
       {{{"/Capacity", r(80)}}, {{"/Capacity", r(60)}}},
       {{"/Capacity", r(60)}}},
      {"installed capacity = min",
       {{{"/InstalledCapacity", r(100)}}, {{"/InstalledCapacity", r(105)}}},
       {{"/InstalledCapacity", r(100)}}},
      {"CCL and DCL = min",
       {{{CCL, r(50)}, {DCL, r(100)}}, {{CCL, r(40)}, {DCL, r(120)}}},
       {{CCL, r(40)}, {DCL, r(100)}}},
      {"CCL: a member without one skipped",
       {{{CCL, r(50)}}, {{V, r(13)}}},
       {{CCL, r(50)}}},
      {"time to go = min",
       {{{"/TimeToGo", r(7200)}}, {{"/TimeToGo", r(3600)}}},
       {{"/TimeToGo", r(3600)}}},
      {"consumed Ah = most discharged member",
       {{{"/ConsumedAmphours", r(-10)}}, {{"/ConsumedAmphours", r(-25)}}},
       {{"/ConsumedAmphours", r(-25)}}},
      {"consumed Ah: positive converted to Victron sign",
       {{{"/ConsumedAmphours", r(-10)}}, {{"/ConsumedAmphours", r(25)}}},
       {{"/ConsumedAmphours", r(-25)}}},
      {"consumed Ah: none -> invalid",
       {{{V, r(13)}}},
       {{"/ConsumedAmphours", none}}},
      {"temperature = max",
       {{{T, r(21)}}, {{T, r(27.5)}}, {{T, none}}},
       {{T, r(27.5)}}},
  };
  auto n = run_series(rows);
  CAF_MESSAGE(rows.size() << " rows, " << n << " checks");
}

CAF_TEST(series flags counts alarms and cells) {
  std::vector<series_row> rows;
  for (auto* flag :
       {"/Io/AllowToCharge", "/Io/AllowToDischarge", "/Io/AllowToBalance"}) {
    std::string f = flag;
    rows.push_back(
        {f + " AND: all set -> 1", {{{f, i(1)}}, {{f, i(1)}}}, {{f, i(1)}}});
    rows.push_back({f + " AND: one 0 -> 0",
                    {{{f, i(1)}}, {{f, i(0)}}, {{f, i(1)}}},
                    {{f, i(0)}}});
    rows.push_back({f + " AND: member without it skipped",
                    {{{f, i(1)}}, {{f, none}}, {{V, r(13)}}},
                    {{f, i(1)}}});
    rows.push_back({f + " AND: none -> invalid",
                    {{{f, none}}, {{V, r(13)}}},
                    {{f, none}}});
  }
  for (auto* flag : {"/Balancing", "/Info/ChargeRequest"}) {
    std::string f = flag;
    rows.push_back(
        {f + " OR: one set -> 1", {{{f, i(0)}}, {{f, i(1)}}}, {{f, i(1)}}});
    rows.push_back(
        {f + " OR: all clear -> 0", {{{f, i(0)}}, {{f, i(0)}}}, {{f, i(0)}}});
    rows.push_back({f + " OR: none -> invalid", {{{V, r(13)}}}, {{f, none}}});
  }
  rows.push_back({"counts of a three-member string",
                  {{{V, r(13)}}, {{V, r(13)}}, {{V, r(13)}}},
                  {{"/System/BatteriesSeries", i(3)},
                   {"/System/BatteriesParallel", i(1)},
                   {"/System/NrOfBatteries", i(3)}}});
  rows.push_back(
      {"alarms = max, as integers",
       {{{"/Alarms/LowVoltage", i(0)}, {"/Alarms/HighTemperature", i(1)}},
        {{"/Alarms/LowVoltage", i(2)}, {"/Alarms/HighTemperature", r(0)}}},
       {{"/Alarms/LowVoltage", i(2)},
        {"/Alarms/HighTemperature", i(1)},
        {"/Alarms/LowSoc", absent},
        {"/Alarms/BmsCable", absent}}});
  rows.push_back({"alarm all invalid -> invalid",
                  {{{"/Alarms/LowSoc", none}}, {{V, r(13)}}},
                  {{"/Alarms/LowSoc", none}}});
  rows.push_back({"cell extremes with member label and id",
                  {{{"/CustomName", t("Top")},
                    {"/System/MinCellVoltage", r(3.31)},
                    {"/System/MinVoltageCellId", t("C4")},
                    {"/System/MaxCellVoltage", r(3.40)},
                    {"/System/MaxVoltageCellId", t("C1")},
                    {"/System/MinCellTemperature", r(18)},
                    {"/System/MaxCellTemperature", r(25)},
                    {"/System/MaxTemperatureCellId", t("T2")}},
                   {{"/System/MinCellVoltage", r(3.29)},
                    {"/System/MinVoltageCellId", t("C2")},
                    {"/System/MaxCellVoltage", r(3.35)},
                    {"/System/MinCellTemperature", r(16)},
                    {"/System/MinTemperatureCellId", t("T1")},
                    {"/System/MaxCellTemperature", r(22)}}},
                  {{"/System/MinCellVoltage", r(3.29)},
                   {"/System/MinVoltageCellId", t("m1 C2")},
                   {"/System/MaxCellVoltage", r(3.40)},
                   {"/System/MaxVoltageCellId", t("Top C1")},
                   {"/System/MinCellTemperature", r(16)},
                   {"/System/MinTemperatureCellId", t("m1 T1")},
                   {"/System/MaxCellTemperature", r(25)},
                   {"/System/MaxTemperatureCellId", t("Top T2")}}});
  rows.push_back(
      {"cell extremes: nobody has them -> invalid",
       {{{V, r(13)}}},
       {{"/System/MinCellVoltage", none}, {"/System/MinVoltageCellId", none}}});
  auto n = run_series(rows);
  CAF_MESSAGE(rows.size() << " rows, " << n << " checks");
}

CAF_TEST(series string with a member missing is stale) {
  const member healthy{{V, r(13.2)},
                       {I, r(-5)},
                       {P, r(-66)},
                       {T, r(20)},
                       {"/Soc", r(80)},
                       {"/Soh", r(99)},
                       {"/Capacity", r(80)},
                       {"/InstalledCapacity", r(100)},
                       {"/ConsumedAmphours", r(-20)},
                       {"/TimeToGo", r(57600)},
                       {CCL, r(50)},
                       {DCL, r(100)},
                       {CVL, r(14.2)},
                       {LOWV, r(11)},
                       {"/Io/AllowToCharge", i(1)},
                       {"/Io/AllowToDischarge", i(1)},
                       {"/Io/AllowToBalance", i(1)},
                       {"/Balancing", i(0)},
                       {"/System/MinCellVoltage", r(3.3)},
                       {"/System/MinVoltageCellId", t("C1")},
                       {"/System/MaxCellTemperature", r(21)},
                       {"/Alarms/HighTemperature", i(1)}};
  // Everything a stale string publishes, whichever way it became stale.
  auto stale = [](int64_t counting) {
    return member{{V, none},
                  {I, none},
                  {P, none},
                  {T, none},
                  {"/Soc", none},
                  {"/Soh", none},
                  {"/Capacity", none},
                  {"/InstalledCapacity", none},
                  {"/ConsumedAmphours", none},
                  {"/TimeToGo", none},
                  {CCL, r(0)},
                  {DCL, r(0)},
                  {CVL, none},
                  {LOWV, none},
                  {"/Io/AllowToCharge", i(0)},
                  {"/Io/AllowToDischarge", i(0)},
                  {"/Io/AllowToBalance", none},
                  {"/Balancing", none},
                  {"/System/MinCellVoltage", none},
                  {"/System/MinVoltageCellId", none},
                  {"/System/MaxCellTemperature", none},
                  {"/System/MaxTemperatureCellId", none},
                  {"/Alarms/BmsCable", i(2)},
                  {"/Alarms/HighTemperature", i(1)},
                  {"/System/BatteriesSeries", i(3)},
                  {"/System/BatteriesParallel", i(1)},
                  {"/System/NrOfBatteries", i(counting)}};
  };
  std::vector<series_row> rows{
      {"complete: healthy values",
       {healthy, healthy, healthy},
       {{V, r(39.6)},
        {CCL, r(50)},
        {CVL, r(42.6)},
        {"/Io/AllowToCharge", i(1)},
        {"/Alarms/BmsCable", absent},
        {"/System/BatteriesSeries", i(3)}}},
      {"caller says incomplete", {healthy, healthy, healthy}, stale(3), false},
      {"one member does not count",
       {healthy, healthy, healthy},
       stale(2),
       true,
       {1}},
      {"incomplete and a member gone",
       {healthy, healthy, healthy},
       stale(2),
       false,
       {2}},
  };
  auto n = run_series(rows);
  CAF_MESSAGE(rows.size() << " rows, " << n << " checks");
}

// -- hooks on parallel and series outputs -------------------------------------

CAF_TEST(apply hooks overrides the computed output) {
  struct hook_row {
    std::string label;
    std::vector<in_spec> entries;
    member computed;
    member expected;
  };
  const table tcls{{0, 10}, {5, 50}, {45, 0}};
  std::vector<hook_row> rows{
      {"fixed number",
       {src({}), fixed("/Soc", r(50))},
       {{"/Soc", r(80)}},
       {{"/Soc", r(50)}}},
      {"fixed string",
       {fixed("/Info/ChargeMode", t("Float"))},
       {{"/Info/ChargeMode", t("Bulk")}},
       {{"/Info/ChargeMode", t("Float")}}},
      {"fixed null forces invalid",
       {fixed("/Soc", none)},
       {{"/Soc", r(80)}},
       {{"/Soc", none}}},
      {"fixed adds a path the output lacks",
       {fixed("/Info/Location", t("shed"))},
       {{V, r(52)}},
       {{"/Info/Location", t("shed")}, {V, r(52)}}},
      {"fixed on an identity path is ignored",
       {fixed("/ProductName", t("x"))},
       {{"/ProductName", t("Virtual Battery")}},
       {{"/ProductName", t("Virtual Battery")}}},
      {"first of two fixed hooks wins",
       {fixed("/Soc", r(50)), fixed("/Soc", r(60))},
       {{"/Soc", r(80)}},
       {{"/Soc", r(50)}}},
      {"voltage hook 13.2 V -> 15 A",
       {volt_hook(spec_ccls)},
       {{V, r(13.2)}, {CCL, r(100)}},
       {{CCL, r(15)}, {DCL, absent}}},
      {"voltage hook 12.6 V -> 10 A",
       {volt_hook(spec_ccls)},
       {{V, r(12.6)}, {CCL, r(100)}},
       {{CCL, r(10)}}},
      {"voltage hook 11.9 V -> computed CCL kept",
       {volt_hook(spec_ccls)},
       {{V, r(11.9)}, {CCL, r(100)}},
       {{CCL, r(100)}}},
      {"voltage hook 11.9 V and no CCL -> still absent",
       {volt_hook(spec_ccls)},
       {{V, r(11.9)}},
       {{CCL, absent}}},
      {"voltage hook: voltage invalid -> kept",
       {volt_hook(spec_ccls)},
       {{V, none}, {CCL, r(100)}},
       {{CCL, r(100)}}},
      {"voltage hook sets DCL from dcls",
       {volt_hook({}, {{12, 80}})},
       {{V, r(13.2)}, {CCL, r(100)}, {DCL, r(200)}},
       {{CCL, r(100)}, {DCL, r(80)}}},
      {"temperature hook 20 degC -> 50 A",
       {temp_hook(tcls)},
       {{T, r(20)}, {V, r(13.2)}, {CCL, r(100)}},
       {{CCL, r(50)}}},
      {"temperature hook below every threshold -> kept",
       {temp_hook(tcls)},
       {{T, r(-3)}, {CCL, r(100)}},
       {{CCL, r(100)}}},
      {"fixed CCL before a charging hook wins",
       {fixed(CCL, r(20)), volt_hook(spec_ccls)},
       {{V, r(13.2)}, {CCL, r(100)}},
       {{CCL, r(20)}}},
      {"charging hook before fixed CCL wins where it has a value",
       {volt_hook(spec_ccls), fixed(CCL, r(20))},
       {{V, r(13.2)}, {CCL, r(100)}},
       {{CCL, r(15)}}},
      {"charging hook without value: the fixed CCL next",
       {volt_hook(spec_ccls), fixed(CCL, r(20))},
       {{V, r(11.9)}, {CCL, r(100)}},
       {{CCL, r(20)}}},
      {"fixed voltage does not change the lookup key",
       {fixed(V, r(11)), volt_hook(spec_ccls)},
       {{V, r(13.2)}, {CCL, r(100)}},
       {{V, r(11)}, {CCL, r(15)}}},
      {"sources are not hooks",
       {src({{"/Soc", r(10)}}), listed({"/Soc"}, {{"/Soc", r(20)}})},
       {{"/Soc", r(80)}},
       {{"/Soc", r(80)}}},
  };
  size_t n = 0;
  for (auto& x : rows) {
    inputs in{x.entries};
    value_map out(x.computed.begin(), x.computed.end());
    apply_hooks(in.in, out);
    n += check_paths(x.label, out, x.expected);
  }
  CAF_MESSAGE(rows.size() << " rows, " << n << " checks");
}

CAF_TEST(series string with a voltage hook uses the string voltage) {
  // Two 6.6 V halves make the spec example's 13.2 V: the hook must see the
  // string's voltage, not a member's.
  std::vector<value_map> maps{{{V, r(6.6)}, {CCL, r(100)}},
                              {{V, r(6.6)}, {CCL, r(90)}}};
  std::vector<member_view> views{{"com.victronenergy.battery.a", &maps[0]},
                                 {"com.victronenergy.battery.b", &maps[1]}};
  auto out = series_kind(views, true);
  CHECK_ROW("string CCL before the hook", at(out, CCL), r(90));
  inputs in{{volt_hook(spec_ccls)}};
  apply_hooks(in.in, out);
  CHECK_ROW("string voltage", at(out, V), r(13.2));
  CHECK_ROW("string CCL after the hook", at(out, CCL), r(15));
}
