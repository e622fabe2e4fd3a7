#define CAF_SUITE cvl
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

#include "actors/rules/cvl.hpp"

// Table-driven tests of the charge voltage limit (product.md section 2.4):
// the float filter, the five cvlModes, the DVCC cap, invalid without CVLs.

using namespace ba;
using namespace ba::test;

namespace {

// Local, not in the shared header: `nan` there would clash with ::nan.
const value none = value::invalid();
const value nan = value::real(std::numeric_limits<double>::quiet_NaN());

using entry = std::pair<std::string, value>;
using member = std::vector<entry>;

struct bank {
  std::vector<value_map> maps;
  member_list list;

  explicit bank(const std::vector<member>& ms) {
    for (auto& m : ms)
      maps.emplace_back(m.begin(), m.end());
    for (auto& m : maps)
      list.push_back(&m);
  }
};

/// A member with a CVL and, when `mode` is not empty, a charge mode.
member pack(double cvl, std::string mode = {}) {
  member m{{"/Info/MaxChargeVoltage", r(cvl)}};
  if (!mode.empty())
    m.emplace_back("/Info/ChargeMode", t(std::move(mode)));
  return m;
}

struct row {
  std::string label;
  cvl_mode mode;
  bool balancing;
  std::string bank_mode;
  bool dvcc_on;
  double user;
  std::vector<member> members;
  value expected;
};

void run_table(const std::vector<row>& rows) {
  for (auto& x : rows) {
    bank b{x.members};
    CHECK_ROW(x.label,
              compute_cvl(b.list, x.mode, x.balancing, x.bank_mode, x.dvcc_on,
                          x.user),
              x.expected);
  }
}

const auto mwb = cvl_mode::max_when_balancing;
const auto minb = cvl_mode::min_when_balancing;
const auto maxa = cvl_mode::max_always;
const auto mwf = cvl_mode::max_when_floating;
const auto dv = cvl_mode::dvcc;

} // namespace

// -- the float filter ---------------------------------------------------------

CAF_TEST(float filter leaves out floating members while others charge) {
  std::vector<row> rows{
      {"no ChargeMode 53.2 V next to Bulk 55.2 V (not balancing) -> 53.2",
       mwb,
       false,
       "",
       false,
       0,
       {pack(53.2), pack(55.2, "Bulk")},
       r(53.2)},
      {"the same while balancing -> 55.2",
       mwb,
       true,
       "",
       false,
       0,
       {pack(53.2), pack(55.2, "Bulk")},
       r(55.2)},
      {"Float next to Absorption: float left out even under min",
       minb,
       false,
       "Absorption Transition",
       false,
       0,
       {pack(53.6, "Float"), pack(55.2, "Absorption")},
       r(55.2)},
      {"float match is case-insensitive and substring",
       minb,
       false,
       "",
       false,
       0,
       {pack(53.6, "float transition"), pack(55.2, "Bulk")},
       r(55.2)},
      {"FLOAT in capitals is floating",
       minb,
       false,
       "",
       false,
       0,
       {pack(53.6, "FLOAT"), pack(55.2, "Charging")},
       r(55.2)},
      {"all floating: nobody is left out",
       minb,
       false,
       "Float",
       false,
       0,
       {pack(53.6, "Float"), pack(54.0, "Float")},
       r(53.6)},
      {"float next to a member without mode: no one charges, none left out",
       minb,
       false,
       "Float",
       false,
       0,
       {pack(53.6, "Float"), pack(55.2)},
       r(53.6)},
      {"a member without mode is kept beside charging and floating ones",
       minb,
       false,
       "",
       false,
       0,
       {pack(53.6, "Float"), pack(55.2, "Bulk"), pack(54.0)},
       r(54.0)},
      {"empty mode text counts as no mode (kept)",
       minb,
       false,
       "",
       false,
       0,
       {{{"/Info/MaxChargeVoltage", r(53.0)}, {"/Info/ChargeMode", t("")}},
        pack(55.2, "Bulk")},
       r(53.0)},
      {"a numeric ChargeMode counts as no mode (kept)",
       minb,
       false,
       "",
       false,
       0,
       {{{"/Info/MaxChargeVoltage", r(53.0)}, {"/Info/ChargeMode", i(2)}},
        pack(55.2, "Bulk")},
       r(53.0)},
      {"a charging member without CVL does not filter the floating ones",
       minb,
       false,
       "",
       false,
       0,
       {pack(53.6, "Float"),
        {{"/Info/ChargeMode", t("Bulk")}, {"/Info/MaxChargeVoltage", none}}},
       r(53.6)},
  };
  run_table(rows);
  CAF_MESSAGE(rows.size() << " rows");
}

// -- cvlMode ------------------------------------------------------------------

CAF_TEST(cvl modes pick min or max) {
  std::vector<member> two{pack(55.2, "Bulk"), pack(56.0, "Bulk")};
  std::vector<row> rows{
      {"max_when_balancing not balancing -> min", mwb, false, "Bulk", false, 0,
       two, r(55.2)},
      {"max_when_balancing balancing -> max", mwb, true, "Bulk", false, 0, two,
       r(56.0)},
      {"min_when_balancing balancing -> min", minb, true, "Bulk", false, 0, two,
       r(55.2)},
      {"max_always -> max", maxa, false, "Bulk", false, 0, two, r(56.0)},
      {"max_when_floating bank Float -> max",
       mwf,
       false,
       "Float",
       false,
       0,
       {pack(55.2, "Float"), pack(56.0, "Float")},
       r(56.0)},
      {"max_when_floating bank float lower case -> max",
       mwf,
       false,
       "float",
       false,
       0,
       {pack(55.2, "Float"), pack(56.0, "Float")},
       r(56.0)},
      {"max_when_floating Float Transition -> min", mwf, false,
       "Float Transition", false, 0, two, r(55.2)},
      {"max_when_floating Bulk -> min", mwf, true, "Bulk", false, 0, two,
       r(55.2)},
      {"max_when_floating no bank mode -> min", mwf, false, "", false, 0, two,
       r(55.2)},
      {"one member: its own CVL",
       mwb,
       false,
       "",
       false,
       0,
       {pack(54.4)},
       r(54.4)},
      {"integer CVL is a number",
       maxa,
       false,
       "",
       false,
       0,
       {{{"/Info/MaxChargeVoltage", i(56)}}, pack(55.2)},
       r(56)},
  };
  run_table(rows);
  CAF_MESSAGE(rows.size() << " rows");
}

CAF_TEST(dvcc mode and the DVCC cap) {
  std::vector<member> two{pack(53.2), pack(55.2, "Bulk")};
  std::vector<row> rows{
      {"dvcc mode: user limit when DVCC on", dv, false, "", true, 54.0, two,
       r(54.0)},
      {"dvcc mode: user limit may exceed the members (by design)", dv, false,
       "", true, 56.4, two, r(56.4)},
      {"dvcc mode DVCC off -> max_when_balancing min (never 0 V)", dv, false,
       "", false, 54.0, two, r(53.2)},
      {"dvcc mode DVCC off balancing -> max", dv, true, "", false, 54.0, two,
       r(55.2)},
      {"dvcc mode user 0 (none) -> max_when_balancing (never 0 V)", dv, false,
       "", true, 0, two, r(53.2)},
      {"dvcc mode user negative -> max_when_balancing", dv, false, "", true, -1,
       two, r(53.2)},
      {"dvcc mode user NaN -> max_when_balancing", dv, false, "", true,
       std::numeric_limits<double>::quiet_NaN(), two, r(53.2)},
      {"cap: max_always 55.2 with user 54.0 -> 54.0", maxa, false, "", true,
       54.0, two, r(54.0)},
      {"cap: user above the result changes nothing", maxa, false, "", true,
       58.0, two, r(55.2)},
      {"cap: DVCC off ignores the user limit", maxa, false, "", false, 54.0,
       two, r(55.2)},
      {"cap: user 0 is no limit", maxa, false, "", true, 0, two, r(55.2)},
      {"cap applies to min too", minb, false, "", true, 53.0, two, r(53.0)},
  };
  run_table(rows);
  CAF_MESSAGE(rows.size() << " rows");
}

// -- invalid inputs -----------------------------------------------------------

CAF_TEST(cvl is invalid without a member cvl) {
  std::vector<row> rows{
      {"no members", mwb, false, "", false, 0, {}, none},
      {"no member publishes a CVL",
       mwb,
       false,
       "",
       false,
       0,
       {{{"/Dc/0/Voltage", r(52)}}, {{"/Info/MaxChargeVoltage", none}}},
       none},
      {"dvcc mode with DVCC on but no member CVL -> invalid",
       dv,
       false,
       "",
       true,
       54.0,
       {{{"/Info/ChargeMode", t("Bulk")}}},
       none},
      {"0 V is not a limit",
       minb,
       false,
       "",
       false,
       0,
       {pack(0), pack(55.2)},
       r(55.2)},
      {"negative is not a limit",
       minb,
       false,
       "",
       false,
       0,
       {pack(-1), pack(55.2)},
       r(55.2)},
      {"NaN and text skipped",
       minb,
       false,
       "",
       false,
       0,
       {{{"/Info/MaxChargeVoltage", nan}},
        {{"/Info/MaxChargeVoltage", t("55V")}},
        pack(55.2)},
       r(55.2)},
      {"only 0 V members -> invalid (never 0 V)",
       maxa,
       false,
       "",
       true,
       54.0,
       {pack(0)},
       none},
  };
  run_table(rows);
  CAF_MESSAGE(rows.size() << " rows");
}

CAF_TEST(float mode detection) {
  CAF_CHECK(is_float_mode("Float"));
  CAF_CHECK(is_float_mode("Float Transition"));
  CAF_CHECK(is_float_mode("FLOAT"));
  CAF_CHECK(!is_float_mode("Bulk"));
  CAF_CHECK(!is_float_mode("Absorption"));
  CAF_CHECK(!is_float_mode(""));
}
