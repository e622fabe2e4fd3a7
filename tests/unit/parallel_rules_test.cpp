#define CAF_SUITE parallel_rules
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

#include "actors/rules/parallel_rules.hpp"

// Table-driven tests of the parallel-bank rules (product.md section 2.1).
// Every table row names its case; a failing row prints that name with the
// actual and expected value, so a failure needs no debugger.

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

/// Owns the members' value maps and hands out the pointer list the rules take.
struct bank {
  std::vector<value_map> maps;
  member_list list;

  explicit bank(const std::vector<member>& ms) {
    for (auto& m : ms)
      maps.emplace_back(m.begin(), m.end());
    // Take pointers only after `maps` stopped growing.
    for (auto& m : maps)
      list.push_back(&m);
  }
};

// -- comparing results --------------------------------------------------------

// -- rows ---------------------------------------------------------------------

/// A row of a rule that needs only the members.
struct row {
  std::string label;
  std::vector<member> members;
  value expected;
};

template <class Rule>
void run_table(const std::vector<row>& rows, Rule rule) {
  for (auto& x : rows) {
    bank b{x.members};
    CHECK_ROW(x.label, rule(b.list), x.expected);
  }
}

} // namespace

// -- /Dc/0/Voltage ------------------------------------------------------------

CAF_TEST(voltage is the mean of valid members) {
  std::vector<row> rows{
      {"two members",
       {{{"/Dc/0/Voltage", r(52.0)}}, {{"/Dc/0/Voltage", r(53.0)}}},
       r(52.5)},
      {"integer wire type counts as a number",
       {{{"/Dc/0/Voltage", i(52)}}, {{"/Dc/0/Voltage", r(53.0)}}},
       r(52.5)},
      {"NaN, Inf and text are skipped",
       {{{"/Dc/0/Voltage", r(52.0)}},
        {{"/Dc/0/Voltage", nan}},
        {{"/Dc/0/Voltage", pinf}},
        {{"/Dc/0/Voltage", ninf}},
        {{"/Dc/0/Voltage", t("53V")}}},
       r(52.0)},
      {"all invalid -> invalid, not 0",
       {{{"/Dc/0/Voltage", none}}, {{"/Dc/0/Voltage", none}}},
       none},
      {"path missing everywhere -> invalid",
       {{{"/Dc/0/Current", r(3)}}, {}},
       none},
      {"no members -> invalid", {}, none},
  };
  run_table(rows, mean_voltage);
  CAF_MESSAGE(rows.size() << " rows");
}

// -- /Dc/0/Current ------------------------------------------------------------

CAF_TEST(current is the sum of valid members) {
  std::vector<row> rows{
      {"charge and discharge",
       {{{"/Dc/0/Current", r(10)}}, {{"/Dc/0/Current", r(-4)}}},
       r(6)},
      {"mixed wire types",
       {{{"/Dc/0/Current", i(-3)}}, {{"/Dc/0/Current", r(1.5)}}},
       r(-1.5)},
      {"invalid member skipped",
       {{{"/Dc/0/Current", none}}, {{"/Dc/0/Current", r(5)}}},
       r(5)},
      {"a true sum of 0 stays a valid 0",
       {{{"/Dc/0/Current", r(5)}}, {{"/Dc/0/Current", r(-5)}}},
       r(0)},
      {"all NaN -> invalid, not 0",
       {{{"/Dc/0/Current", nan}}, {{"/Dc/0/Current", nan}}},
       none},
      {"text only -> invalid", {{{"/Dc/0/Current", t("1A")}}}, none},
  };
  run_table(rows, sum_current);
  CAF_MESSAGE(rows.size() << " rows");
}

// -- /Dc/0/Power --------------------------------------------------------------

CAF_TEST(power sums members and fills in V times I) {
  std::vector<row> rows{
      {"both publish power",
       {{{"/Dc/0/Power", r(100)}}, {{"/Dc/0/Power", r(200)}}},
       r(300)},
      {"member without power contributes V*I",
       {{{"/Dc/0/Power", r(100)}},
        {{"/Dc/0/Voltage", r(52)}, {"/Dc/0/Current", r(10)}}},
       r(620)},
      {"invalid power is filled in from V*I",
       {{{"/Dc/0/Power", none},
         {"/Dc/0/Voltage", r(50)},
         {"/Dc/0/Current", r(-2)}}},
       r(-100)},
      {"NaN power is filled in from V*I (integer kinds)",
       {{{"/Dc/0/Power", nan},
         {"/Dc/0/Voltage", i(48)},
         {"/Dc/0/Current", i(3)}}},
       r(144)},
      {"valid power wins over V*I",
       {{{"/Dc/0/Power", r(500)},
         {"/Dc/0/Voltage", r(50)},
         {"/Dc/0/Current", r(1)}}},
       r(500)},
      {"V without I contributes nothing",
       {{{"/Dc/0/Power", r(100)}}, {{"/Dc/0/Voltage", r(52)}}},
       r(100)},
      {"V with text I contributes nothing",
       {{{"/Dc/0/Voltage", r(52)}, {"/Dc/0/Current", t("x")}}},
       none},
      {"no member data -> invalid, not 0",
       {{{"/Dc/0/Power", none}}, {{"/Dc/0/Current", r(3)}}},
       none},
      {"no members -> invalid", {}, none},
  };
  run_table(rows, sum_power);
  CAF_MESSAGE(rows.size() << " rows");
}

// -- /Dc/0/Temperature --------------------------------------------------------

CAF_TEST(temperature is the max of valid members) {
  std::vector<row> rows{
      {"hottest member wins",
       {{{"/Dc/0/Temperature", r(25)}},
        {{"/Dc/0/Temperature", r(31.5)}},
        {{"/Dc/0/Temperature", r(20)}}},
       r(31.5)},
      {"below zero",
       {{{"/Dc/0/Temperature", r(-5)}}, {{"/Dc/0/Temperature", r(-10)}}},
       r(-5)},
      {"integer kind compared as a number",
       {{{"/Dc/0/Temperature", i(30)}}, {{"/Dc/0/Temperature", r(29.5)}}},
       r(30)},
      {"+Inf is skipped, not the max",
       {{{"/Dc/0/Temperature", pinf}}, {{"/Dc/0/Temperature", r(22)}}},
       r(22)},
      {"text and NaN only -> invalid",
       {{{"/Dc/0/Temperature", t("hot")}}, {{"/Dc/0/Temperature", nan}}},
       none},
  };
  run_table(rows, max_temperature);
  CAF_MESSAGE(rows.size() << " rows");
}

// -- /Soc ---------------------------------------------------------------------

namespace {

struct soc_row {
  std::string label;
  soc_method method;
  std::vector<member> members;
  value expected;
};

} // namespace

CAF_TEST(soc follows the configured method) {
  auto w = soc_method::weighted;
  std::vector<soc_row> rows{
      {"weighted: 100 Ah @ 80 % + 200 Ah @ 50 % -> 60 %",
       w,
       {{{"/Soc", r(80)}, {"/InstalledCapacity", r(100)}},
        {{"/Soc", r(50)}, {"/InstalledCapacity", r(200)}}},
       r(60)},
      {"weighted with integer wire types",
       w,
       {{{"/Soc", i(80)}, {"/InstalledCapacity", i(100)}},
        {{"/Soc", r(50)}, {"/InstalledCapacity", r(200)}}},
       r(60)},
      {"weighted falls back to the mean when one lacks capacity",
       w,
       {{{"/Soc", r(80)}, {"/InstalledCapacity", r(100)}}, {{"/Soc", r(50)}}},
       r(65)},
      {"capacity 0 counts as missing -> mean",
       w,
       {{{"/Soc", r(80)}, {"/InstalledCapacity", r(100)}},
        {{"/Soc", r(50)}, {"/InstalledCapacity", r(0)}}},
       r(65)},
      {"capacity NaN counts as missing -> mean",
       w,
       {{{"/Soc", r(80)}, {"/InstalledCapacity", nan}},
        {{"/Soc", r(50)}, {"/InstalledCapacity", r(200)}}},
       r(65)},
      {"member without SoC does not weigh in",
       w,
       {{{"/Soc", r(80)}, {"/InstalledCapacity", r(100)}},
        {{"/InstalledCapacity", r(500)}}},
       r(80)},
      {"member with NaN SoC is skipped",
       w,
       {{{"/Soc", r(80)}, {"/InstalledCapacity", r(100)}},
        {{"/Soc", nan}, {"/InstalledCapacity", r(500)}},
        {{"/Soc", r(50)}, {"/InstalledCapacity", r(200)}}},
       r(60)},
      {"member with text SoC and no capacity does not force the mean",
       w,
       {{{"/Soc", r(80)}, {"/InstalledCapacity", r(100)}},
        {{"/Soc", t("80%")}},
        {{"/Soc", r(50)}, {"/InstalledCapacity", r(200)}}},
       r(60)},
      {"mean ignores capacities",
       soc_method::mean,
       {{{"/Soc", r(80)}, {"/InstalledCapacity", r(100)}},
        {{"/Soc", r(50)}, {"/InstalledCapacity", r(200)}}},
       r(65)},
      {"min takes the emptiest member",
       soc_method::min,
       {{{"/Soc", r(80)}, {"/InstalledCapacity", r(100)}},
        {{"/Soc", r(50)}, {"/InstalledCapacity", r(200)}}},
       r(50)},
      {"min skips text and -Inf",
       soc_method::min,
       {{{"/Soc", r(80)}},
        {{"/Soc", t("0")}},
        {{"/Soc", ninf}},
        {{"/Soc", i(70)}}},
       r(70)},
      {"weighted, all invalid -> invalid, not 0",
       w,
       {{{"/Soc", none}, {"/InstalledCapacity", r(100)}}, {{"/Soc", nan}}},
       none},
      {"min, all invalid -> invalid",
       soc_method::min,
       {{{"/Soc", none}}},
       none},
      {"mean, no members -> invalid", soc_method::mean, {}, none},
  };
  for (auto& x : rows) {
    bank b{x.members};
    CHECK_ROW(x.label, soc(b.list, x.method), x.expected);
  }
  CAF_MESSAGE(rows.size() << " rows");
}

// -- /Soh ---------------------------------------------------------------------

CAF_TEST(soh is capacity weighted with the same fallback) {
  std::vector<row> rows{
      {"weighted: 100 Ah @ 100 % + 300 Ah @ 80 % -> 85 %",
       {{{"/Soh", r(100)}, {"/InstalledCapacity", r(100)}},
        {{"/Soh", i(80)}, {"/InstalledCapacity", r(300)}}},
       r(85)},
      {"one lacks capacity -> plain mean",
       {{{"/Soh", r(100)}, {"/InstalledCapacity", r(100)}}, {{"/Soh", r(80)}}},
       r(90)},
      {"all invalid -> invalid, not 0",
       {{{"/Soh", none}, {"/InstalledCapacity", r(100)}}, {{"/Soh", t("ok")}}},
       none},
  };
  run_table(rows, soh);
  CAF_MESSAGE(rows.size() << " rows");
}

// -- /InstalledCapacity -------------------------------------------------------

namespace {

struct capacity_row {
  std::string label;
  caf::optional<double> config;
  std::vector<member> members;
  value expected;
};

} // namespace

CAF_TEST(installed capacity is the sum unless configured) {
  caf::optional<double> unset;
  std::vector<capacity_row> rows{
      {"sum of members",
       unset,
       {{{"/InstalledCapacity", r(100)}}, {{"/InstalledCapacity", r(200)}}},
       r(300)},
      {"mixed wire types",
       unset,
       {{{"/InstalledCapacity", i(100)}}, {{"/InstalledCapacity", r(50.5)}}},
       r(150.5)},
      {"config capacity overrides the members",
       280.0,
       {{{"/InstalledCapacity", r(100)}}, {{"/InstalledCapacity", r(200)}}},
       r(280)},
      {"config capacity without any member data", 280.0, {}, r(280)},
      {"a 0 Ah member is not a capacity",
       unset,
       {{{"/InstalledCapacity", r(100)}}, {{"/InstalledCapacity", r(0)}}},
       r(100)},
      {"NaN and text skipped",
       unset,
       {{{"/InstalledCapacity", nan}},
        {{"/InstalledCapacity", t("100Ah")}},
        {{"/InstalledCapacity", r(200)}}},
       r(200)},
      {"no capacities, no config -> invalid",
       unset,
       {{{"/InstalledCapacity", none}}, {{"/Soc", r(50)}}},
       none},
  };
  for (auto& x : rows) {
    bank b{x.members};
    CHECK_ROW(x.label, installed_capacity(b.list, x.config), x.expected);
  }
  CAF_MESSAGE(rows.size() << " rows");
}

// -- /Capacity ----------------------------------------------------------------

namespace {

struct remaining_row {
  std::string label;
  caf::optional<double> config;
  value bank_soc;
  std::vector<member> members;
  value expected;
};

} // namespace

CAF_TEST(remaining capacity sums members and fills in) {
  caf::optional<double> unset;
  std::vector<remaining_row> rows{
      {"sum of members' remaining",
       unset,
       none,
       {{{"/Capacity", r(80)}}, {{"/Capacity", i(100)}}},
       r(180)},
      {"member without /Capacity contributes SoC x installed",
       unset,
       none,
       {{{"/Capacity", r(80)}},
        {{"/Soc", r(50)}, {"/InstalledCapacity", r(200)}}},
       r(180)},
      {"NaN /Capacity is filled in from SoC x installed",
       unset,
       none,
       {{{"/Capacity", nan}, {"/Soc", r(25)}, {"/InstalledCapacity", r(100)}}},
       r(25)},
      {"member without /Capacity, SoC or installed adds nothing",
       unset,
       none,
       {{{"/Capacity", r(80)}}, {{"/Soc", r(50)}}},
       r(80)},
      {"config capacity, no member data: bank SoC x capacity",
       300.0,
       r(60),
       {{{"/Soc", r(60)}}, {}},
       r(180)},
      {"config capacity, no member data, no bank SoC -> invalid",
       300.0,
       none,
       {{{"/Capacity", none}}},
       none},
      {"config capacity does not replace member data",
       300.0,
       r(60),
       {{{"/Capacity", r(80)}}, {{"/Capacity", r(100)}}},
       r(180)},
      {"no config, no member data -> invalid, not 0",
       unset,
       r(60),
       {{{"/Capacity", t("?")}}, {{"/Soc", r(60)}}},
       none},
  };
  for (auto& x : rows) {
    bank b{x.members};
    CHECK_ROW(x.label, remaining_capacity(b.list, x.config, x.bank_soc),
              x.expected);
  }
  CAF_MESSAGE(rows.size() << " rows");
}

// -- /ConsumedAmphours --------------------------------------------------------

CAF_TEST(consumed amphours sum in the Victron sign) {
  std::vector<row> rows{
      {"Victron sign already",
       {{{"/ConsumedAmphours", r(-10)}}, {{"/ConsumedAmphours", r(-20)}}},
       r(-30)},
      {"a positive member is negated",
       {{{"/ConsumedAmphours", r(10)}}, {{"/ConsumedAmphours", r(-20)}}},
       r(-30)},
      {"all positive (integer kind) -> negated sum",
       {{{"/ConsumedAmphours", i(5)}}, {{"/ConsumedAmphours", r(7)}}},
       r(-12)},
      {"0 stays a valid 0", {{{"/ConsumedAmphours", r(0)}}}, r(0)},
      {"all invalid -> invalid, not 0",
       {{{"/ConsumedAmphours", none}}, {{"/ConsumedAmphours", pinf}}},
       none},
  };
  run_table(rows, consumed_amphours);
  CAF_MESSAGE(rows.size() << " rows");
}

// -- /TimeToGo ----------------------------------------------------------------

namespace {

struct ttg_row {
  std::string label;
  value bank_current;
  value bank_remaining;
  std::vector<member> members;
  value expected;
};

} // namespace

CAF_TEST(time to go is computed from the bank) {
  // Members' own estimates; the computed rule must ignore them.
  std::vector<member> ttgs{{{"/TimeToGo", r(3600)}}, {{"/TimeToGo", i(7200)}}};
  std::vector<ttg_row> rows{
      {"-10 A with 150 Ah remaining -> 54000 s", r(-10), r(150), ttgs,
       r(54000)},
      {"-0.2 A with 1000 Ah is capped at 864000 s",
       r(-0.2),
       r(1000),
       {},
       r(864000)},
      {"integer kinds", i(-10), i(150), {}, r(54000)},
      {"-0.05 A is not discharging -> invalid", r(-0.05), r(150), ttgs, none},
      {"exactly -0.1 A is not discharging -> invalid", r(-0.1), r(150), ttgs,
       none},
      {"charging -> invalid", r(5), r(150), ttgs, none},
      {"no current -> invalid", none, r(150), ttgs, none},
      {"NaN current -> invalid", nan, r(150), ttgs, none},
      {"no capacity information -> mean of members", r(-10), none, ttgs,
       r(5400)},
      {"no capacity information, members' NaN/text skipped",
       r(-10),
       none,
       {{{"/TimeToGo", nan}},
        {{"/TimeToGo", t("1h")}},
        {{"/TimeToGo", r(600)}}},
       r(600)},
      {"no capacity information, no member values -> invalid",
       r(-10),
       none,
       {{{"/TimeToGo", none}}},
       none},
      {"0 Ah remaining -> 0 s", r(-10), r(0), ttgs, r(0)},
      {"negative remaining counts as empty", r(-10), r(-2), ttgs, r(0)},
  };
  for (auto& x : rows) {
    bank b{x.members};
    CHECK_ROW(x.label, time_to_go(b.list, x.bank_current, x.bank_remaining),
              x.expected);
  }
  CAF_MESSAGE(rows.size() << " rows");
}

// -- aggregate_parallel -------------------------------------------------------

namespace {

const std::vector<std::string> all_paths{
    "/Dc/0/Voltage",      "/Dc/0/Current", "/Dc/0/Power",
    "/Dc/0/Temperature",  "/Soc",          "/Soh",
    "/InstalledCapacity", "/Capacity",     "/ConsumedAmphours",
    "/TimeToGo",
};

struct aggregate_row {
  std::string label;
  parallel_options opts;
  std::vector<member> members;
  /// Every path not listed here must be invalid.
  value_map expected;
};

parallel_options with_capacity(double c) {
  parallel_options o;
  o.capacity = c;
  return o;
}

} // namespace

CAF_TEST(aggregate returns all ten paths) {
  std::vector<aggregate_row> rows{
      {"no members -> every path invalid", {}, {}, {}},
      {"members without any data -> every path invalid",
       {},
       {{{"/Soc", none}, {"/Dc/0/Voltage", nan}}, {{"/Dc/0/Current", t("")}}},
       {}},
      {"two full members",
       {},
       {{{"/Dc/0/Voltage", r(52.0)},
         {"/Dc/0/Current", r(-4)},
         {"/Dc/0/Power", r(-208)},
         {"/Dc/0/Temperature", r(24)},
         {"/Soc", r(80)},
         {"/Soh", r(100)},
         {"/InstalledCapacity", r(100)},
         {"/Capacity", r(80)},
         {"/ConsumedAmphours", r(-20)},
         {"/TimeToGo", r(1)}},
        {{"/Dc/0/Voltage", r(52.2)},
         {"/Dc/0/Current", r(-6)},
         {"/Dc/0/Temperature", r(26)},
         {"/Soc", r(50)},
         {"/Soh", r(85)},
         {"/InstalledCapacity", r(200)},
         {"/ConsumedAmphours", r(100)},
         {"/TimeToGo", r(2)}}},
       {{"/Dc/0/Voltage", r(52.1)},
        {"/Dc/0/Current", r(-10)},
        {"/Dc/0/Power", r(-208 - 52.2 * 6)},
        {"/Dc/0/Temperature", r(26)},
        {"/Soc", r(60)},
        {"/Soh", r(90)},
        {"/InstalledCapacity", r(300)},
        // 80 Ah published + 50 % of 200 Ah filled in.
        {"/Capacity", r(180)},
        {"/ConsumedAmphours", r(-120)},
        {"/TimeToGo", r(180.0 / 10 * 3600)}}},
      {"config capacity: Capacity from bank SoC, TimeToGo from it",
       with_capacity(300),
       {{{"/Soc", r(50)}, {"/Dc/0/Current", r(-5)}},
        {{"/Soc", r(70)}, {"/Dc/0/Current", r(-5)}}},
       {{"/Dc/0/Current", r(-10)},
        {"/Soc", r(60)},
        {"/InstalledCapacity", r(300)},
        {"/Capacity", r(180)},
        {"/TimeToGo", r(64800)}}},
      {"min method feeds the Capacity fallback",
       [] {
         auto o = with_capacity(100);
         o.soc = soc_method::min;
         return o;
       }(),
       {{{"/Soc", r(50)}}, {{"/Soc", r(70)}}},
       {{"/Soc", r(50)}, {"/InstalledCapacity", r(100)}, {"/Capacity", r(50)}}},
      {"no capacity information: TimeToGo is the members' mean",
       {},
       {{{"/Dc/0/Current", r(-3)}, {"/TimeToGo", r(1000)}},
        {{"/Dc/0/Current", r(-3)}, {"/TimeToGo", r(3000)}}},
       {{"/Dc/0/Current", r(-6)}, {"/TimeToGo", r(2000)}}},
  };
  for (auto& x : rows) {
    bank b{x.members};
    auto out = aggregate_parallel(b.list, x.opts);
    CAF_CHECK_EQUAL(out.size(), all_paths.size());
    for (auto& path : all_paths) {
      auto got = at(out, path);
      auto j = x.expected.find(path);
      auto want = j != x.expected.end() ? j->second : none;
      CHECK_ROW(x.label + " " + path, got, want);
    }
  }
  CAF_MESSAGE(rows.size() << " rows");
}
