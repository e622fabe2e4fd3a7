#include "actors/rules/parallel_rules.hpp"
#include "messages/paths.hpp"

#include <algorithm>
#include <cmath>

namespace ba {

namespace {

// Victron caps /TimeToGo at 10 days; a longer estimate is noise.
constexpr double max_time_to_go = 864000.0;

// Below this discharge current the bank counts as idle: a few tens of mA of
// shunt offset must not produce a TimeToGo of months (then capped) that
// flickers on and off.
constexpr double discharge_threshold = -0.1;

// Looked up once: these are read from every member on every update.
const path_key voltage_key{paths::dc_voltage};
const path_key current_key{paths::dc_current};
const path_key power_key{paths::dc_power};
const path_key installed_capacity_key{paths::installed_capacity};
const path_key capacity_key{paths::capacity};
const path_key soc_key{paths::soc};
const path_key consumed_amphours_key{paths::consumed_amphours};

/// The finite number at `key` of one member (member_index.hpp: missing,
/// invalid, text, NaN and infinities are nothing).
caf::optional<double> get(const member_ref& m, const path_key& key) {
  return number_at(m, key);
}

/// A capacity counts only when finite and positive: a BMS publishing 0 Ah
/// (not yet configured) must neither weight a mean nor divide by zero.
caf::optional<double> get_capacity(const member_ref& m) {
  auto c = get(m, installed_capacity_key);
  if (c && *c > 0)
    return c;
  return caf::none;
}

/// The config capacity, when it is usable (finite and positive); a config
/// validator should already reject anything else, but a NaN must never reach
/// the bus from here.
caf::optional<double> usable(const caf::optional<double>& capacity) {
  if (capacity && std::isfinite(*capacity) && *capacity > 0)
    return capacity;
  return caf::none;
}

template <class Select>
value extreme_of(const member_list& ms, const char* path, Select select) {
  const path_key key{path};
  // A plain flag rather than caf::optional: g++ 12 at -O2 reports a false
  // maybe-uninitialized on the optional's payload.
  bool any = false;
  double result = 0;
  for (auto m : ms)
    if (auto x = get(m, key)) {
      result = any ? select(result, *x) : *x;
      any = true;
    }
  return any ? value::real(result) : value::invalid();
}

} // namespace

// Percentages of members of different sizes (SoC, SoH) describe shares of
// different amounts of charge: 50 % of 200 Ah outweighs 80 % of 100 Ah. The
// capacity-weighted mean is the bank's true percentage (and a big
// member's history counts more than a small one's). When any member that
// publishes the percentage lacks a capacity the weights are unknown, and a
// plain mean beats silently dropping that member.
value capacity_weighted_mean(const member_list& ms, const path_key& key) {
  double weighted = 0;
  double weights = 0;
  bool all_have_capacity = true;
  for (auto m : ms) {
    auto x = get(m, key);
    if (!x)
      continue;
    if (auto c = get_capacity(m)) {
      weighted += *x * *c;
      weights += *c;
    } else {
      all_have_capacity = false;
    }
  }
  if (!all_have_capacity)
    return mean_over(ms, key);
  return weights > 0 ? value::real(weighted / weights) : value::invalid();
}

value mean_voltage(const member_list& ms) {
  // Parallel members share one bus voltage; the mean smooths sensor offsets.
  return mean_over(ms, paths::dc_voltage);
}

value sum_current(const member_list& ms) {
  return sum_over(ms, paths::dc_current);
}

value sum_power(const member_list& ms) {
  // Some BMSes publish V and I but no power; leaving them out would make the
  // bank's power disagree with its current.
  double sum = 0;
  bool any = false;
  for (auto m : ms) {
    if (auto p = get(m, power_key)) {
      sum += *p;
      any = true;
    } else {
      auto v = get(m, voltage_key);
      auto i = get(m, current_key);
      if (v && i) {
        sum += *v * *i;
        any = true;
      }
    }
  }
  return any ? value::real(sum) : value::invalid();
}

value max_temperature(const member_list& ms) {
  // The hottest member is the one that limits the bank.
  return extreme_of(ms, paths::dc_temperature,
                    [](double x, double y) { return std::max(x, y); });
}

value soc(const member_list& ms, soc_method m) {
  switch (m) {
    case soc_method::mean:
      // The Python add-on's rule, kept for users who rely on it.
      return mean_over(ms, paths::soc);
    case soc_method::min:
      // Conservative: the emptiest member ends the discharge first.
      return extreme_of(ms, paths::soc,
                        [](double x, double y) { return std::min(x, y); });
    case soc_method::weighted:
    default:
      return capacity_weighted_mean(ms, paths::soc);
  }
}

value soh(const member_list& ms) {
  return capacity_weighted_mean(ms, paths::soh);
}

value installed_capacity(const member_list& ms,
                         const caf::optional<double>& capacity) {
  // The user's configured capacity wins: members often report nominal
  // capacities that differ from what the user knows the bank holds.
  if (auto c = usable(capacity))
    return value::real(*c);
  double sum = 0;
  bool any = false;
  for (auto m : ms)
    if (auto c = get_capacity(m)) {
      sum += *c;
      any = true;
    }
  return any ? value::real(sum) : value::invalid();
}

value remaining_capacity(const member_list& ms,
                         const caf::optional<double>& capacity,
                         const value& bank_soc) {
  // Remaining Ah add up across parallel members. A member that does not
  // publish its remaining Ah still holds charge: SoC x its capacity is the
  // best estimate, better than counting it as empty. With no member data at
  // all, the configured capacity and the bank SoC still give a figure (the
  // Python add-on dropped /Capacity entirely in that case).
  double sum = 0;
  bool any = false;
  for (auto m : ms) {
    if (auto r = get(m, capacity_key)) {
      sum += *r;
      any = true;
      continue;
    }
    auto s = get(m, soc_key);
    auto c = get_capacity(m);
    if (s && c) {
      sum += *s / 100.0 * *c;
      any = true;
    }
  }
  if (any)
    return value::real(sum);
  auto c = usable(capacity);
  auto s = bank_soc.num();
  if (c && s)
    return value::real(*s / 100.0 * *c);
  return value::invalid();
}

value consumed_amphours(const member_list& ms) {
  // Victron counts consumed charge as negative; some BMSes publish it as a
  // positive amount. Normalising each member before summing keeps a mixed
  // bank from cancelling itself out.
  double sum = 0;
  bool any = false;
  for (auto m : ms)
    if (auto x = get(m, consumed_amphours_key)) {
      sum += *x > 0 ? -*x : *x;
      any = true;
    }
  return any ? value::real(sum) : value::invalid();
}

value time_to_go(const member_list& ms, const value& bank_current,
                 const value& bank_remaining) {
  // Members' own TimeToGo values each assume that member's share of the
  // current; averaging them is physically wrong for a parallel bank (the
  // Python add-on's bug). The bank's remaining Ah over the bank's discharge
  // current is the real answer. Only without any capacity information is the
  // members' mean the best estimate left.
  auto i = bank_current.num();
  if (!i || *i >= discharge_threshold)
    return value::invalid();
  if (auto r = bank_remaining.num()) {
    // Down to 0 %: a slightly negative remaining (counter drift) means empty.
    auto seconds = std::max(*r, 0.0) / -*i * 3600.0;
    return value::real(std::min(seconds, max_time_to_go));
  }
  return mean_over(ms, paths::time_to_go);
}

void aggregate_parallel_into(const member_list& ms,
                             const parallel_options& opts, value_writer& out) {
  out.set(paths::dc_voltage, mean_voltage(ms));
  auto current = sum_current(ms);
  out.set(paths::dc_current, current);
  out.set(paths::dc_power, sum_power(ms));
  out.set(paths::dc_temperature, max_temperature(ms));
  // Order matters: /Capacity may fall back to the bank SoC, and /TimeToGo
  // needs the bank current and remaining capacity.
  auto bank_soc = soc(ms, opts.soc);
  out.set(paths::soc, bank_soc);
  out.set(paths::soh, soh(ms));
  out.set(paths::installed_capacity, installed_capacity(ms, opts.capacity));
  auto remaining = remaining_capacity(ms, opts.capacity, bank_soc);
  out.set(paths::capacity, remaining);
  out.set(paths::consumed_amphours, consumed_amphours(ms));
  out.set(paths::time_to_go, time_to_go(ms, current, remaining));
}

value_map aggregate_parallel(const member_list& ms,
                             const parallel_options& opts) {
  value_map out;
  value_writer w{out};
  aggregate_parallel_into(ms, opts, w);
  return out;
}

const std::vector<std::string>& parallel_inputs() {
  static const std::vector<std::string> inputs{
      paths::dc_voltage,         paths::dc_current, paths::dc_power,
      paths::dc_temperature,     paths::soc,        paths::soh,
      paths::installed_capacity, paths::capacity,   paths::consumed_amphours,
      paths::time_to_go};
  return inputs;
}

value sum_over(const member_list& ms, const path_key& key) {
  double sum = 0;
  bool any = false;
  for (auto m : ms)
    if (auto x = get(m, key)) {
      sum += *x;
      any = true;
    }
  return any ? value::real(sum) : value::invalid();
}

value mean_over(const member_list& ms, const path_key& key) {
  double sum = 0;
  size_t n = 0;
  for (auto m : ms)
    if (auto x = get(m, key)) {
      sum += *x;
      ++n;
    }
  return n > 0 ? value::real(sum / static_cast<double>(n)) : value::invalid();
}

} // namespace ba
