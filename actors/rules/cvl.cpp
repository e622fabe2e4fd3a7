#include "actors/rules/cvl.hpp"
#include "messages/paths.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace ba {

namespace {

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// A member's CVL when it is usable: finite and > 0.
const path_key cvl_key{paths::max_charge_voltage};

caf::optional<double> member_cvl(const member_ref& m) {
  auto v = number_at(m, cvl_key);
  if (v && *v > 0)
    return v;
  return caf::none;
}

enum class charge_state { unknown, charging, floating };

charge_state state_of(const member_ref& m) {
  auto i = m.values->find(paths::charge_mode);
  if (i == m.values->end() || i->second.kind != value_kind::text
      || i->second.str.empty())
    return charge_state::unknown;
  return is_float_mode(i->second.str) ? charge_state::floating
                                      : charge_state::charging;
}

bool user_limit_applies(bool dvcc_on, double limit) {
  return dvcc_on && std::isfinite(limit) && limit > 0;
}

} // namespace

bool is_float_mode(const std::string& mode) {
  return lower(mode).find("float") != std::string::npos;
}

value compute_cvl(const member_list& members, cvl_mode mode,
                  bool bank_balancing, const std::string& bank_charge_mode,
                  bool dvcc_on, double dvcc_max_charge_voltage) {
  struct entry {
    double cvl;
    charge_state state;
  };
  // Kept between calls: the CVL is worked out on every update (one thread
  // per bank actor at a time).
  thread_local std::vector<entry> es;
  es.clear();
  bool some_charging = false;
  for (auto m : members)
    if (auto v = member_cvl(m)) {
      auto s = state_of(m);
      es.push_back({*v, s});
      some_charging = some_charging || s == charge_state::charging;
    }
  // Only members with a CVL decide "some still charge": otherwise a charging
  // member without a CVL could filter out every floating member that has one
  // and leave the bank without a CVL at all.
  bool have = false;
  double lo = 0;
  double hi = 0;
  for (auto& e : es) {
    // A floating member has finished; its (lower) float voltage must not
    // hold back members that still absorb. A member that does not say what
    // it does is kept: dropping it could ignore the lowest CVL.
    if (some_charging && e.state == charge_state::floating)
      continue;
    lo = have ? std::min(lo, e.cvl) : e.cvl;
    hi = have ? std::max(hi, e.cvl) : e.cvl;
    have = true;
  }
  if (!have)
    return value::invalid();

  bool user = user_limit_applies(dvcc_on, dvcc_max_charge_voltage);
  double result = lo;
  switch (mode) {
    case cvl_mode::min_when_balancing:
      result = lo;
      break;
    case cvl_mode::max_always:
      result = hi;
      break;
    case cvl_mode::max_when_floating:
      result = lower(bank_charge_mode) == "float" ? hi : lo;
      break;
    case cvl_mode::dvcc:
      if (user) {
        result = dvcc_max_charge_voltage;
        break;
      }
      // The Python add-on published 0 V here; without a user limit the
      // default rule is the safe choice.
      result = bank_balancing ? hi : lo;
      break;
    case cvl_mode::max_when_balancing:
    default:
      // Balancing needs the higher voltage to top up the fullest cells;
      // otherwise the most cautious member wins.
      result = bank_balancing ? hi : lo;
      break;
  }
  if (user)
    result = std::min(result, dvcc_max_charge_voltage);
  return value::real(result);
}

} // namespace ba
