#include "actors/rules/current_limits.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "actors/rules/output_format.hpp"
#include "messages/paths.hpp"

namespace ba {

namespace {

const path_key installed_capacity_key{paths::installed_capacity};
const path_key charge_limit_key{limit_path(limit_kind::charge)};
const path_key discharge_limit_key{limit_path(limit_kind::discharge)};
const path_key charge_gate_key{gate_path(limit_kind::charge)};
const path_key discharge_gate_key{gate_path(limit_kind::discharge)};

/// The finite number at `key` of member `m` (member_index.hpp).
caf::optional<double> get(const limit_member& m, const path_key& key) {
  return number_at(member_ref{m.values, m.index}, key);
}

/// Rounds a computed limit for publishing: down to 0.1 A, never negative,
/// never "-0.0", never a non-finite number.
value publishable(double x) {
  if (!std::isfinite(x))
    return value::invalid();
  auto r = round_down_tenth(std::max(x, 0.0));
  return value::real(r == 0 ? 0.0 : r);
}

double clamp_correction(double k) {
  if (!std::isfinite(k))
    return 1.0;
  return std::min(1.0, std::max(min_correction, k));
}

/// A member of the contributing set while the ratios are worked out.
struct candidate {
  size_t index; // into the output rows
  double limit;
  double correction;
};

/// Ratios for `set` by method `m` into `out`; false (and `out` of no use)
/// when some member lacks what `m` needs or a ratio would not be finite
/// (then the whole set falls back to the next method). `out` is the
/// caller's, kept between calls: the limits run on every update.
bool ratios(const std::vector<limit_member>& ms,
            const std::vector<candidate>& set, ratio_method m,
            std::vector<double>& out) {
  out.clear();
  auto n = static_cast<double>(set.size());
  switch (m) {
    case ratio_method::count:
      // Identical batteries share the current equally.
      out.assign(set.size(), n);
      return true;
    case ratio_method::capacity: {
      // Current splits roughly in proportion to capacity (same chemistry,
      // same C-rate): member current = bank current x C_b / sum C.
      double sum = 0;
      for (auto& c : set) {
        auto cap = get(ms[c.index], installed_capacity_key);
        if (!cap || *cap <= 0)
          return false;
        out.push_back(*cap);
        sum += *cap;
      }
      for (auto& c : out)
        c = sum / c;
      break;
    }
    case ratio_method::ir: {
      // Parallel resistors: member current = bank current x R_total / R_b,
      // with 1/R_total = sum 1/R_i; so r_b = R_b x sum(1/R_i).
      double conductance = 0;
      for (auto& c : set) {
        auto& r = ms[c.index].resistance;
        if (!r || !std::isfinite(*r) || *r <= 0)
          return false;
        conductance += 1.0 / *r;
      }
      for (auto& c : set)
        out.push_back(*ms[c.index].resistance * conductance);
      break;
    }
  }
  // A member's share can never exceed the bank current (r_b >= 1); anything
  // else is overflow or underflow from absurd inputs.
  for (auto r : out)
    if (!std::isfinite(r) || r < 1.0 - 1e-9)
      return false;
  return true;
}

/// The fallback chain from `wanted`: ir -> capacity -> count.
const std::vector<ratio_method>& chain(ratio_method wanted) {
  static const std::vector<ratio_method> from_ir{
      ratio_method::ir, ratio_method::capacity, ratio_method::count};
  static const std::vector<ratio_method> from_capacity{ratio_method::capacity,
                                                       ratio_method::count};
  static const std::vector<ratio_method> from_count{ratio_method::count};
  switch (wanted) {
    case ratio_method::ir:
      return from_ir;
    case ratio_method::capacity:
      return from_capacity;
    case ratio_method::count:
    default:
      return from_count;
  }
}

} // namespace

const char* limit_path(limit_kind k) {
  return k == limit_kind::charge ? paths::max_charge_current
                                 : paths::max_discharge_current;
}

const char* gate_path(limit_kind k) {
  return k == limit_kind::charge ? paths::allow_to_charge
                                 : paths::allow_to_discharge;
}

limit_result compute_current_limit(const std::vector<limit_member>& ms,
                                   limit_kind kind, ratio_method wanted,
                                   bool any_limit_ever_published,
                                   bool all_members_lost) {
  limit_result res;
  compute_current_limit(ms, kind, wanted, any_limit_ever_published,
                        all_members_lost, res);
  return res;
}

void compute_current_limit(const std::vector<limit_member>& ms, limit_kind kind,
                           ratio_method wanted, bool any_limit_ever_published,
                           bool all_members_lost, limit_result& res) {
  // Scratch kept between calls (the limits run on every update; one
  // thread per bank actor at a time, hence thread_local).
  thread_local std::vector<candidate> set;
  thread_local std::vector<double> rs;
  set.clear();
  res.method_used = wanted;
  // Rows are overwritten in place: their strings keep their buffers.
  res.members.resize(ms.size());
  bool any_limit_now = false;
  const char* gate_reason
      = kind == limit_kind::charge ? "AllowToCharge 0" : "AllowToDischarge 0";
  // Step 1: the contributing set.
  for (size_t i = 0; i < ms.size(); ++i) {
    auto& m = ms[i];
    auto& row = res.members[i];
    row.service = m.service;
    row.contributes = false;
    row.limiting = false;
    row.own_limit = value::invalid();
    row.ratio = 0;
    row.correction = 1.0;
    row.estimate = 0;
    row.reason.clear();
    if (m.values == nullptr) {
      row.reason = "no values";
      continue;
    }
    auto limit = get(m, kind == limit_kind::charge ? charge_limit_key
                                                   : discharge_limit_key);
    if (m.index != nullptr) {
      // Only the number of an own limit is ever read (value::num()): with
      // the index at hand, no look-up in the member's map.
      if (limit)
        row.own_limit = value::real(*limit);
    } else {
      auto li = m.values->find(limit_path(kind));
      if (li != m.values->end())
        row.own_limit = li->second;
    }
    if (limit && *limit >= 0)
      any_limit_now = true;
    // Only an explicit 0 blocks: many BMSes never publish the gate at all,
    // and a missing gate must not take them out of the limits.
    auto gate = get(m, kind == limit_kind::charge ? charge_gate_key
                                                  : discharge_gate_key);
    if (gate && *gate == 0) {
      row.reason = gate_reason;
    } else if (!limit) {
      row.reason = "limit invalid";
    } else if (*limit < 0) {
      row.reason = "limit negative";
    } else {
      row.contributes = true;
      row.correction = clamp_correction(m.correction);
      set.push_back({i, *limit, row.correction});
    }
  }

  if (set.empty()) {
    // The decision table. A bank that never had a limit is not a BMS and
    // must not start looking like one (invalid). A bank that had limits and
    // now has no member allowed to take current must say 0, so that DVCC
    // stops charging (or discharging) rather than running unlimited.
    bool ever = any_limit_ever_published || any_limit_now;
    if (all_members_lost)
      ever = any_limit_ever_published;
    res.limit = ever ? value::real(0.0) : value::invalid();
    return;
  }

  // Step 2: one method for the whole set.
  bool found = false;
  for (auto m : chain(wanted))
    if (ratios(ms, set, m, rs)) {
      res.method_used = m;
      found = true;
      break;
    }
  // `count` always yields ratios; this only guards against a future edit.
  if (!found || rs.size() != set.size()) {
    res.limit = value::invalid();
    return;
  }

  // Step 3: the smallest estimate wins.
  double best = std::numeric_limits<double>::infinity();
  size_t best_row = set.front().index;
  for (size_t j = 0; j < set.size(); ++j) {
    auto& row = res.members[set[j].index];
    row.ratio = rs[j];
    row.estimate = set[j].limit * rs[j] * set[j].correction;
    if (row.estimate < best) {
      best = row.estimate;
      best_row = set[j].index;
    }
  }
  res.members[best_row].limiting = std::isfinite(best);
  res.limit = publishable(best);
}

value apply_ccl_mode(const value& battery_ccl, ccl_mode mode, bool dvcc_on,
                     double dvcc_max_charge_current) {
  auto battery = battery_ccl.num();
  if (!battery)
    return value::invalid();
  bool user_applies = dvcc_on && std::isfinite(dvcc_max_charge_current)
                      && dvcc_max_charge_current >= 0;
  // A blocked bank stays blocked whatever the user limit says.
  if (*battery <= 0 || !user_applies || mode == ccl_mode::battery)
    return publishable(*battery);
  if (mode == ccl_mode::dvcc)
    return publishable(dvcc_max_charge_current);
  return publishable(std::min(*battery, dvcc_max_charge_current));
}

double current_towards(limit_kind kind, double current) {
  if (!std::isfinite(current))
    return 0;
  auto x = kind == limit_kind::charge ? current : -current;
  return std::max(x, 0.0);
}

double correction_after_measurement(double k, double limit, double current) {
  k = clamp_correction(k);
  if (!std::isfinite(limit) || !std::isfinite(current) || limit < 0)
    return k;
  auto i = std::abs(current);
  if (i <= limit)
    return k;
  // The member took more than its limit at the current estimate: scale its
  // share down by exactly the overshoot, so the next bank limit puts it back
  // at its own limit (if the split model is otherwise right).
  return clamp_correction(k * limit / i);
}

double correction_after_recovery_tick(double k) {
  k = clamp_correction(k);
  // Creep back to 1 so that a transient overshoot (a load step, a BMS
  // briefly lowering its limit) does not shrink the bank forever, which the
  // Python add-on did.
  k += correction_recovery * (1.0 - k);
  // The geometric approach never reaches 1 by itself, and a k of 0.99999
  // would keep a 100 A bank at 99.9 A for ever after rounding down.
  if (1.0 - k < correction_snap)
    return 1.0;
  return clamp_correction(k);
}

std::vector<std::string> contributing_set(const limit_result& r) {
  std::vector<std::string> out;
  for (auto& m : r.members)
    if (m.contributes)
      out.push_back(m.service);
  std::sort(out.begin(), out.end());
  return out;
}

bool same_contributing_set(const limit_result& before,
                           const limit_result& after) {
  return contributing_set(before) == contributing_set(after);
}

} // namespace ba
