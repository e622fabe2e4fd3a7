#define CAF_SUITE current_limits
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

#include "actors/rules/current_limits.hpp"

// Table-driven tests of the current limits (product.md section 2.3): every
// numbered step, the "when nothing contributes" table, cclMode and the
// over-current correction. Every row names its case; a failing row prints
// that name with the actual and expected value.

using namespace ba;
using namespace ba::test;

namespace {

// -- building members ---------------------------------------------------------

using entry = std::pair<std::string, value>;

const value none = value::invalid();
const value nan = value::real(std::numeric_limits<double>::quiet_NaN());
const value pinf = value::real(std::numeric_limits<double>::infinity());

/// One member of a table row. `no_r` (a negative resistance) means "no
/// accepted IR estimate".
struct mem {
  std::string name;
  std::vector<entry> values;
  double resistance = -1;
  double k = 1.0;
  bool no_values = false;
};

/// Owns the members' value maps and hands out the limit_member list.
struct bank {
  std::vector<value_map> maps;
  std::vector<limit_member> list;

  explicit bank(const std::vector<mem>& ms) {
    for (auto& m : ms)
      maps.emplace_back(m.values.begin(), m.values.end());
    // Take pointers only after `maps` stopped growing.
    for (size_t j = 0; j < ms.size(); ++j) {
      limit_member x;
      x.service = ms[j].name;
      x.values = ms[j].no_values ? nullptr : &maps[j];
      if (ms[j].resistance >= 0)
        x.resistance = ms[j].resistance;
      x.correction = ms[j].k;
      list.push_back(std::move(x));
    }
  }
};

/// A pack with a CCL, a capacity and nothing else.
mem pack(std::string name, double ccl, double capacity) {
  return {std::move(name),
          {{"/Info/MaxChargeCurrent", r(ccl)},
           {"/InstalledCapacity", r(capacity)}}};
}

// -- comparing results --------------------------------------------------------

/// A plain double labelled, for ratios, estimates and k sequences.
#define CHECK_NUM(label, got, want)                                            \
  CAF_CHECK_EQUAL((result{label, r(got)}), (result{label, r(want)}))

const char* name_of(ratio_method m) {
  switch (m) {
    case ratio_method::capacity:
      return "capacity";
    case ratio_method::count:
      return "count";
    case ratio_method::ir:
      return "ir";
  }
  return "?";
}

struct limit_row {
  std::string label;
  limit_kind kind;
  ratio_method wanted;
  std::vector<mem> members;
  bool ever;
  bool all_lost;
  value expected;
  ratio_method expected_method;
};

void run_limits(const std::vector<limit_row>& rows) {
  for (auto& x : rows) {
    bank b{x.members};
    auto res
        = compute_current_limit(b.list, x.kind, x.wanted, x.ever, x.all_lost);
    CHECK_ROW(x.label, res.limit, x.expected);
    CAF_CHECK_EQUAL(x.label + ": method " + name_of(res.method_used),
                    x.label + ": method " + name_of(x.expected_method));
    CAF_CHECK_EQUAL(res.members.size(), x.members.size());
    // Whatever the row: the shares of the contributing set add up to the
    // bank current (sum 1/r = 1), and nothing is NaN (an estimate is +Inf
    // only in the overflow row).
    double inverse = 0;
    bool any = false;
    for (auto& m : res.members) {
      CAF_CHECK(std::isfinite(m.ratio));
      CAF_CHECK(!std::isnan(m.estimate));
      if (m.contributes) {
        inverse += 1.0 / m.ratio;
        any = true;
      }
    }
    if (any)
      CHECK_NUM(x.label + ": sum of 1/r", inverse, 1.0);
  }
}

const auto charge = limit_kind::charge;
const auto discharge = limit_kind::discharge;
const auto capacity = ratio_method::capacity;
const auto count = ratio_method::count;
const auto ir = ratio_method::ir;

} // namespace

// -- step 1: the contributing set ---------------------------------------------

CAF_TEST(step 1 contributing set needs an open gate and a valid limit) {
  std::vector<limit_row> rows{
      {"three packs one CCL invalid: count method counts two -> 100 A",
       charge,
       count,
       {{"a", {{"/Info/MaxChargeCurrent", r(50)}}},
        {"b", {{"/Info/MaxChargeCurrent", r(50)}}},
        {"c", {{"/Info/MaxChargeCurrent", none}}}},
       true,
       false,
       r(100),
       count},
      {"CCL missing NaN or text: not counted either",
       charge,
       count,
       {{"a", {{"/Info/MaxChargeCurrent", r(50)}}},
        {"b", {{"/Info/MaxChargeCurrent", nan}}},
        {"c", {{"/Info/MaxChargeCurrent", t("50A")}}},
        {"d", {{"/Dc/0/Voltage", r(52)}}}},
       true,
       false,
       r(50),
       count},
      {"negative CCL is not a limit and does not count",
       charge,
       count,
       {{"a", {{"/Info/MaxChargeCurrent", r(50)}}},
        {"b", {{"/Info/MaxChargeCurrent", r(-1)}}}},
       true,
       false,
       r(50),
       count},
      {"one pack AllowToCharge 0: the others share (count)",
       charge,
       count,
       {{"a", {{"/Info/MaxChargeCurrent", r(50)}, {"/Io/AllowToCharge", i(1)}}},
        {"b", {{"/Info/MaxChargeCurrent", r(50)}, {"/Io/AllowToCharge", i(1)}}},
        {"c",
         {{"/Info/MaxChargeCurrent", r(50)}, {"/Io/AllowToCharge", i(0)}}}},
       true,
       false,
       r(100),
       count},
      {"one pack AllowToCharge 0: the others share (capacity)",
       charge,
       capacity,
       {pack("a", 50, 100),
        pack("b", 50, 100),
        {"c",
         {{"/Info/MaxChargeCurrent", r(50)},
          {"/InstalledCapacity", r(200)},
          {"/Io/AllowToCharge", r(0)}}}},
       true,
       false,
       r(100),
       capacity},
      {"missing invalid or text gate does not block",
       charge,
       count,
       {{"a", {{"/Info/MaxChargeCurrent", r(50)}}},
        {"b", {{"/Info/MaxChargeCurrent", r(50)}, {"/Io/AllowToCharge", none}}},
        {"c",
         {{"/Info/MaxChargeCurrent", r(50)}, {"/Io/AllowToCharge", t("no")}}}},
       true,
       false,
       r(150),
       count},
      {"AllowToDischarge 0 does not gate the CCL",
       charge,
       count,
       {{"a",
         {{"/Info/MaxChargeCurrent", r(50)}, {"/Io/AllowToDischarge", i(0)}}},
        {"b", {{"/Info/MaxChargeCurrent", r(50)}}}},
       true,
       false,
       r(100),
       count},
      {"DCL: AllowToDischarge 0 gates its own limit",
       discharge,
       count,
       {{"a",
         {{"/Info/MaxDischargeCurrent", r(100)},
          {"/Io/AllowToDischarge", i(0)},
          {"/Info/MaxChargeCurrent", r(5)}}},
        {"b",
         {{"/Info/MaxDischargeCurrent", r(80)}, {"/Io/AllowToCharge", i(0)}}}},
       true,
       false,
       r(80),
       count},
      {"a member with no values does not contribute",
       charge,
       count,
       {{"a", {{"/Info/MaxChargeCurrent", r(50)}}}, {"b", {}, -1, 1.0, true}},
       true,
       false,
       r(50),
       count},
      {"integer wire types are numbers",
       charge,
       capacity,
       {{"a",
         {{"/Info/MaxChargeCurrent", i(50)}, {"/InstalledCapacity", i(100)}}},
        {"b",
         {{"/Info/MaxChargeCurrent", i(50)}, {"/InstalledCapacity", i(200)}}}},
       true,
       false,
       r(75),
       capacity},
  };
  run_limits(rows);
  CAF_MESSAGE(rows.size() << " rows");
}

// -- step 2: share ratios and the whole-set fallback --------------------------

CAF_TEST(step 2 ratio methods and the whole set fallback) {
  std::vector<limit_row> rows{
      {"capacity: 100 Ah and 200 Ah with CCL 50 A each -> 75 A",
       charge,
       capacity,
       {pack("a", 50, 100), pack("b", 50, 200)},
       true,
       false,
       r(75),
       capacity},
      {"count: the same two packs -> 100 A",
       charge,
       count,
       {pack("a", 50, 100), pack("b", 50, 200)},
       true,
       false,
       r(100),
       count},
      {"ir: R 0.01 and 0.02 ohm with CCL 50 A each -> 75 A",
       charge,
       ir,
       {{"a", {{"/Info/MaxChargeCurrent", r(50)}}, 0.01},
        {"b", {{"/Info/MaxChargeCurrent", r(50)}}, 0.02}},
       true,
       false,
       r(75),
       ir},
      {"ir falls back to capacity when one member has no R",
       charge,
       ir,
       {{"a",
         {{"/Info/MaxChargeCurrent", r(50)}, {"/InstalledCapacity", r(100)}},
         0.01},
        {"b",
         {{"/Info/MaxChargeCurrent", r(50)}, {"/InstalledCapacity", r(200)}}}},
       true,
       false,
       r(75),
       capacity},
      {"ir with R 0 or negative counts as no R",
       charge,
       ir,
       {{"a",
         {{"/Info/MaxChargeCurrent", r(50)}, {"/InstalledCapacity", r(100)}},
         0.0},
        {"b",
         {{"/Info/MaxChargeCurrent", r(50)}, {"/InstalledCapacity", r(200)}},
         0.02}},
       true,
       false,
       r(75),
       capacity},
      {"capacity falls back to count when one lacks InstalledCapacity",
       charge,
       capacity,
       {pack("a", 50, 100), {"b", {{"/Info/MaxChargeCurrent", r(50)}}}},
       true,
       false,
       r(100),
       count},
      {"capacity 0 or NaN counts as missing",
       charge,
       capacity,
       {pack("a", 50, 100),
        {"b",
         {{"/Info/MaxChargeCurrent", r(50)}, {"/InstalledCapacity", r(0)}}},
        {"c",
         {{"/Info/MaxChargeCurrent", r(50)}, {"/InstalledCapacity", nan}}}},
       true,
       false,
       r(150),
       count},
      {"ir falls through capacity to count",
       charge,
       ir,
       {{"a", {{"/Info/MaxChargeCurrent", r(50)}}, 0.01},
        {"b", {{"/Info/MaxChargeCurrent", r(50)}}}},
       true,
       false,
       r(100),
       count},
      {"only the contributing set needs the method's input",
       charge,
       capacity,
       {pack("a", 50, 100),
        pack("b", 50, 200),
        {"gated no capacity",
         {{"/Info/MaxChargeCurrent", r(50)}, {"/Io/AllowToCharge", i(0)}}},
        {"invalid CCL no capacity", {{"/Info/MaxChargeCurrent", none}}}},
       true,
       false,
       r(75),
       capacity},
      {"one member alone: r = 1 in every method",
       charge,
       ir,
       {{"a", {{"/Info/MaxChargeCurrent", r(42)}}, 0.03}},
       true,
       false,
       r(42),
       ir},
  };
  run_limits(rows);
  CAF_MESSAGE(rows.size() << " rows");
}

CAF_TEST(step 2 ratios and estimates per member) {
  bank b{{{"a", {{"/Info/MaxChargeCurrent", r(50)}}, 0.01},
          {"b", {{"/Info/MaxChargeCurrent", r(50)}}, 0.02},
          {"c",
           {{"/Info/MaxChargeCurrent", r(50)}, {"/Io/AllowToCharge", i(0)}},
           0.01}}};
  auto res = compute_current_limit(b.list, charge, ir, true, false);
  CAF_REQUIRE_EQUAL(res.members.size(), 3u);
  auto& a = res.members[0];
  auto& bb = res.members[1];
  auto& c = res.members[2];
  // R_total = 1 / (100 + 50) ohm; r_b = R_b / R_total.
  CHECK_NUM("a ratio", a.ratio, 1.5);
  CHECK_NUM("b ratio", bb.ratio, 3.0);
  CHECK_NUM("a estimate", a.estimate, 75.0);
  CHECK_NUM("b estimate", bb.estimate, 150.0);
  CAF_CHECK(a.contributes);
  CAF_CHECK(a.limiting);
  CAF_CHECK(!bb.limiting);
  CAF_CHECK_EQUAL(a.reason, "");
  CAF_CHECK_EQUAL(a.service, "a");
  CHECK_ROW("a own limit", a.own_limit, r(50));
  CAF_CHECK(!c.contributes);
  CAF_CHECK(!c.limiting);
  CAF_CHECK_EQUAL(c.reason, "AllowToCharge 0");
  CHECK_NUM("c ratio", c.ratio, 0.0);
  CHECK_NUM("c estimate", c.estimate, 0.0);
  CHECK_ROW("c own limit is still shown", c.own_limit, r(50));

  bank d{
      {{"x", {{"/Info/MaxDischargeCurrent", r(50)}}},
       {"y",
        {{"/Info/MaxDischargeCurrent", r(50)}, {"/Io/AllowToDischarge", i(0)}}},
       {"z", {{"/Info/MaxDischargeCurrent", none}}},
       {"w", {{"/Info/MaxDischargeCurrent", r(-5)}}},
       {"v", {}, -1, 1.0, true}}};
  auto dres = compute_current_limit(d.list, discharge, count, true, false);
  CAF_REQUIRE_EQUAL(dres.members.size(), 5u);
  CAF_CHECK_EQUAL(dres.members[0].reason, "");
  CAF_CHECK_EQUAL(dres.members[1].reason, "AllowToDischarge 0");
  CAF_CHECK_EQUAL(dres.members[2].reason, "limit invalid");
  CAF_CHECK_EQUAL(dres.members[3].reason, "limit negative");
  CAF_CHECK_EQUAL(dres.members[4].reason, "no values");
  CHECK_ROW("DCL of the one contributing member", dres.limit, r(50));
}

// -- step 3: the minimum, rounded down ----------------------------------------

CAF_TEST(step 3 minimum estimate rounded down to a tenth) {
  std::vector<limit_row> rows{
      {"the smallest estimate wins (capacity)",
       charge,
       capacity,
       {pack("a", 100, 100), pack("b", 20, 100)},
       true,
       false,
       r(40),
       capacity},
      {"a member at CCL 0 blocks the bank",
       charge,
       count,
       {{"a", {{"/Info/MaxChargeCurrent", r(50)}}},
        {"b", {{"/Info/MaxChargeCurrent", r(0)}}}},
       true,
       false,
       r(0),
       count},
      {"99.89999999 stays 99.9",
       charge,
       count,
       {{"a", {{"/Info/MaxChargeCurrent", r(99.89999999)}}}},
       true,
       false,
       r(99.9),
       count},
      {"three packs of 33.3 A (99.89999999999999) -> 99.9",
       charge,
       count,
       {{"a", {{"/Info/MaxChargeCurrent", r(33.3)}}},
        {"b", {{"/Info/MaxChargeCurrent", r(33.3)}}},
        {"c", {{"/Info/MaxChargeCurrent", r(33.3)}}}},
       true,
       false,
       r(99.9),
       count},
      {"74.99 -> 74.9 (down never up)",
       charge,
       count,
       {{"a", {{"/Info/MaxChargeCurrent", r(74.99)}}}},
       true,
       false,
       r(74.9),
       count},
      {"0.09 -> 0",
       charge,
       count,
       {{"a", {{"/Info/MaxChargeCurrent", r(0.09)}}}},
       true,
       false,
       r(0),
       count},
      {"capacity 100 and 200 Ah with CCL 33.33 and 50 -> 75 not 99.99",
       charge,
       capacity,
       {pack("a", 33.33, 100), pack("b", 50, 200)},
       true,
       false,
       r(75),
       capacity},
      {"estimates that overflow to Inf are never published",
       charge,
       count,
       {{"a", {{"/Info/MaxChargeCurrent", r(1e308)}}},
        {"b", {{"/Info/MaxChargeCurrent", r(1e308)}}}},
       true,
       false,
       none,
       count},
      {"+Inf member limit is skipped like an invalid one",
       charge,
       count,
       {{"a", {{"/Info/MaxChargeCurrent", pinf}}},
        {"b", {{"/Info/MaxChargeCurrent", r(50)}}}},
       true,
       false,
       r(50),
       count},
  };
  run_limits(rows);
  CAF_MESSAGE(rows.size() << " rows");
}

// -- when nothing contributes -------------------------------------------------

CAF_TEST(decision table when nothing contributes) {
  std::vector<limit_row> rows{
      {"no pack with a CCL (bank of shunts) -> invalid",
       charge,
       capacity,
       {{"shunt1", {{"/Dc/0/Voltage", r(52)}, {"/InstalledCapacity", r(100)}}},
        {"shunt2", {{"/Info/MaxChargeCurrent", none}}}},
       false,
       false,
       none,
       capacity},
      {"no members at all and never a limit -> invalid",
       charge,
       capacity,
       {},
       false,
       false,
       none,
       capacity},
      {"all packs AllowToCharge 0 -> 0",
       charge,
       capacity,
       {{"a", {{"/Info/MaxChargeCurrent", r(50)}, {"/Io/AllowToCharge", i(0)}}},
        {"b",
         {{"/Info/MaxChargeCurrent", r(50)}, {"/Io/AllowToCharge", r(0)}}}},
       false,
       false,
       r(0),
       capacity},
      {"all DCL gated -> DCL 0",
       discharge,
       count,
       {{"a",
         {{"/Info/MaxDischargeCurrent", r(50)},
          {"/Io/AllowToDischarge", i(0)}}}},
       true,
       false,
       r(0),
       count},
      {"limits published before but all invalid now -> 0",
       charge,
       count,
       {{"a", {{"/Info/MaxChargeCurrent", none}}},
        {"b", {{"/Info/MaxChargeCurrent", nan}}}},
       true,
       false,
       r(0),
       count},
      {"all members lost beyond grace after limits -> 0",
       charge,
       capacity,
       {},
       true,
       true,
       r(0),
       capacity},
      {"all members lost beyond grace: DCL 0 too",
       discharge,
       capacity,
       {},
       true,
       true,
       r(0),
       capacity},
      {"all members lost and never a limit -> invalid",
       charge,
       capacity,
       {},
       false,
       true,
       none,
       capacity},
  };
  run_limits(rows);
  CAF_MESSAGE(rows.size() << " rows");
}

// -- step 4: cclMode ----------------------------------------------------------

namespace {

struct mode_row {
  std::string label;
  value battery;
  ccl_mode mode;
  bool dvcc_on;
  double user;
  value expected;
};

} // namespace

CAF_TEST(step 4 ccl mode and the DVCC user limit) {
  auto bd = ccl_mode::battery_dvcc;
  auto bat = ccl_mode::battery;
  auto dv = ccl_mode::dvcc;
  auto nan_d = std::numeric_limits<double>::quiet_NaN();
  std::vector<mode_row> rows{
      {"battery+dvcc caps at the user limit", r(75), bd, true, 30, r(30)},
      {"battery+dvcc: user limit above the battery", r(75), bd, true, 100,
       r(75)},
      {"battery+dvcc: DVCC off ignores the user limit", r(75), bd, false, 30,
       r(75)},
      {"battery+dvcc: -1 is no user limit", r(75), bd, true, -1, r(75)},
      {"battery+dvcc: user limit 0 stops charging", r(75), bd, true, 0, r(0)},
      {"battery+dvcc: NaN user limit is none", r(75), bd, true, nan_d, r(75)},
      {"battery+dvcc: user limit rounded down", r(75), bd, true, 33.35,
       r(33.3)},
      {"battery ignores the user limit", r(75), bat, true, 30, r(75)},
      {"dvcc publishes the user limit", r(75), dv, true, 30, r(30)},
      {"dvcc: user limit above the battery wins", r(75), dv, true, 100, r(100)},
      {"dvcc with DVCC off -> battery (never -1 A)", r(75), dv, false, 30,
       r(75)},
      {"dvcc with user -1 -> battery (never -1 A)", r(75), dv, true, -1, r(75)},
      {"dvcc with DVCC off and user -1 -> battery", r(75), dv, false, -1,
       r(75)},
      {"dvcc: a blocked bank (0) stays 0", r(0), dv, true, 30, r(0)},
      {"dvcc: invalid battery CCL stays invalid", none, dv, true, 30, none},
      {"battery+dvcc: invalid battery CCL stays invalid", none, bd, true, 30,
       none},
      {"battery: NaN battery CCL is invalid", nan, bat, false, -1, none},
  };
  for (auto& x : rows)
    CHECK_ROW(x.label, apply_ccl_mode(x.battery, x.mode, x.dvcc_on, x.user),
              x.expected);
  CAF_MESSAGE(rows.size() << " rows");
}

// -- step 5: over-current correction ------------------------------------------

CAF_TEST(step 5 overcurrent correction shrinks and recovers) {
  // Pack a goes to 62.5 A against its 50 A limit: k = 50 / 62.5 = 0.8.
  double k = 1.0;
  k = correction_after_measurement(k, 50, 62.5);
  CHECK_NUM("over the limit: k = 0.8", k, 0.8);
  k = correction_after_measurement(k, 50, 40);
  CHECK_NUM("under the limit: measurement leaves k", k, 0.8);
  k = correction_after_measurement(k, 50, 50);
  CHECK_NUM("exactly at the limit is not over", k, 0.8);

  // The bank limit follows: two identical packs (count), a with k 0.8.
  auto bank_limit = [](double ka) {
    bank b{{{"a", {{"/Info/MaxChargeCurrent", r(50)}}, -1, ka},
            {"b", {{"/Info/MaxChargeCurrent", r(50)}}}}};
    return compute_current_limit(b.list, charge, count, true, false).limit;
  };
  CHECK_ROW("bank limit with k 0.8", bank_limit(k), r(80));

  // Back under the limit: every 10 s k += 0.05 (1 - k).
  std::vector<double> expected{0.81, 0.8195, 0.828525, 0.83709875};
  for (size_t n = 0; n < expected.size(); ++n) {
    k = correction_after_recovery_tick(k);
    CHECK_NUM("recovery tick " + std::to_string(n + 1), k, expected[n]);
  }
  CHECK_ROW("bank limit after 4 ticks (83.70 -> 83.7)", bank_limit(k), r(83.7));
  // 1 - k shrinks by 0.95 per tick: 0.16290125 x 0.95^n < 1e-3 from tick
  // 100 on (n = 100: 0.00096), and then k snaps to exactly 1.
  for (int n = 0; n < 99; ++n)
    k = correction_after_recovery_tick(k);
  CAF_CHECK(k < 1.0);
  CHECK_ROW("bank limit one tick before the snap", bank_limit(k), r(99.8));
  k = correction_after_recovery_tick(k);
  CHECK_NUM("k snaps to exactly 1", k, 1.0);
  CHECK_ROW("bank limit recovered to 100 A", bank_limit(k), r(100));
  CHECK_NUM("k = 1 stays 1", correction_after_recovery_tick(1.0), 1.0);
}

CAF_TEST(step 5 correction bounds and bad input) {
  struct row {
    std::string label;
    double k;
    double limit;
    double current;
    double expected;
  };
  auto nan_d = std::numeric_limits<double>::quiet_NaN();
  auto inf_d = std::numeric_limits<double>::infinity();
  std::vector<row> rows{
      {"floor 0.5: 200 A against 50 A", 1.0, 50, 200, 0.5},
      {"compounds: 0.8 x 50/62.5 = 0.64", 0.8, 50, 62.5, 0.64},
      {"floor reached by compounding", 0.6, 50, 100, 0.5},
      {"discharge direction uses |I|", 1.0, 100, -125, 0.8},
      {"limit 0 and any current -> floor", 1.0, 0, 1, 0.5},
      {"NaN current leaves k", 0.9, 50, nan_d, 0.9},
      {"Inf current leaves k", 0.9, 50, inf_d, 0.9},
      {"NaN limit leaves k", 0.9, nan_d, 100, 0.9},
      {"negative limit is not a limit", 0.9, -1, 100, 0.9},
      {"k above 1 is clamped", 1.5, 50, 10, 1.0},
      {"k below 0.5 is clamped", 0.1, 50, 10, 0.5},
      {"NaN k counts as 1", nan_d, 50, 10, 1.0},
  };
  for (auto& x : rows)
    CHECK_NUM(x.label, correction_after_measurement(x.k, x.limit, x.current),
              x.expected);
  CHECK_NUM("recovery from NaN", correction_after_recovery_tick(nan_d), 1.0);
  CHECK_NUM("recovery from below the floor", correction_after_recovery_tick(0),
            0.525);
  CHECK_NUM("recovery above 1 is clamped", correction_after_recovery_tick(3),
            1.0);
  // A k outside [0.5, 1] handed to the limit rule is clamped there too.
  bank b{{{"a", {{"/Info/MaxChargeCurrent", r(50)}}, -1, 0.1}}};
  auto res = compute_current_limit(b.list, charge, count, true, false);
  CHECK_ROW("k 0.1 applied as 0.5", res.limit, r(25));
  CHECK_NUM("k shown as applied", res.members[0].correction, 0.5);
  CAF_MESSAGE(rows.size() << " rows");
}

CAF_TEST(step 5 current towards the limit) {
  auto nan_d = std::numeric_limits<double>::quiet_NaN();
  CHECK_NUM("charging current counts for CCL", current_towards(charge, 12.5),
            12.5);
  CHECK_NUM("discharging current is 0 for CCL", current_towards(charge, -30),
            0.0);
  CHECK_NUM("discharging current counts for DCL",
            current_towards(discharge, -30), 30.0);
  CHECK_NUM("charging current is 0 for DCL", current_towards(discharge, 12.5),
            0.0);
  CHECK_NUM("NaN -> 0", current_towards(charge, nan_d), 0.0);
  // Discharging at 60 A must not shrink the CCL factor of a 50 A CCL.
  CHECK_NUM("no CCL correction while discharging",
            correction_after_measurement(1.0, 50, current_towards(charge, -60)),
            1.0);
}

CAF_TEST(step 5 reset when the contributing set changes) {
  bank before{{pack("a", 50, 100), pack("b", 50, 100)}};
  bank reordered{{pack("b", 50, 100), pack("a", 50, 100)}};
  bank gated{{pack("a", 50, 100),
              {"b",
               {{"/Info/MaxChargeCurrent", r(50)},
                {"/InstalledCapacity", r(100)},
                {"/Io/AllowToCharge", i(0)}}}}};
  bank grown{{pack("a", 50, 100), pack("b", 50, 100), pack("c", 50, 100)}};
  bank other_limit{{pack("a", 20, 100), pack("b", 50, 100)}};
  auto run = [](const bank& b) {
    return compute_current_limit(b.list, charge, capacity, true, false);
  };
  auto r0 = run(before);
  CAF_CHECK(same_contributing_set(r0, run(reordered)));
  CAF_CHECK(same_contributing_set(r0, run(other_limit)));
  CAF_CHECK(!same_contributing_set(r0, run(gated)));
  CAF_CHECK(!same_contributing_set(r0, run(grown)));
  auto names = contributing_set(run(reordered));
  CAF_REQUIRE_EQUAL(names.size(), 2u);
  CAF_CHECK_EQUAL(names[0], "a");
  CAF_CHECK_EQUAL(names[1], "b");
}

CAF_TEST(limit and gate paths) {
  CAF_CHECK_EQUAL(std::string{limit_path(charge)}, "/Info/MaxChargeCurrent");
  CAF_CHECK_EQUAL(std::string{limit_path(discharge)},
                  "/Info/MaxDischargeCurrent");
  CAF_CHECK_EQUAL(std::string{gate_path(charge)}, "/Io/AllowToCharge");
  CAF_CHECK_EQUAL(std::string{gate_path(discharge)}, "/Io/AllowToDischarge");
}
