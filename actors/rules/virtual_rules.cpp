#include "actors/rules/virtual_rules.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "actors/rules/role_merge.hpp"
#include "messages/path_table.hpp"
#include "messages/paths.hpp"

namespace ba {

namespace {

constexpr char fixed_hook[] = "hooks.FixedValueHook";
constexpr char voltage_hook[] = "hooks.CustomChargingHook";
constexpr char temperature_hook[] = "hooks.TemperatureChargingHook";

/// The finite number at `key` of one member (member_index.hpp: nothing when
/// the member or the path is missing, or the value is invalid, text, NaN or
/// infinite).
caf::optional<double> get(const member_ref& m, const path_key& key) {
  return number_at(m, key);
}

/// Whether a source's `v` may be published at `path` (role_merge's rule,
/// private there): a text at a numeric path, or a NaN, would be turned into
/// invalid by the formatter, so it must not hide a good value further down
/// the config order.
bool usable(const std::string& path, const value& v) {
  if (!v.valid())
    return false;
  if (v.is_number() && !v.num())
    return false;
  if (auto* row = find_path(path))
    return (wire_type(row->u) == 's') == (v.kind == value_kind::text);
  return true;
}

bool is_hook(const vb_input& x) {
  return x.ref != nullptr && x.hook != nullptr;
}

bool is_source(const vb_input& x) {
  return x.ref != nullptr && x.hook == nullptr;
}

/// The usable value of source `x` at `path`, or nullptr.
const value* contribution(const vb_input& x, const std::string& path) {
  role_source src{x.ref, x.values};
  if (x.values == nullptr || !source_lists(src, path))
    return nullptr;
  auto i = x.values->find(path);
  if (i == x.values->end() || !usable(path, i->second))
    return nullptr;
  return &i->second;
}

/// The first usable value of the non-hook inputs at `path`: the key a
/// charging hook looks its table up by. Hooks are left out so that a hook
/// never feeds on another hook's output.
value merged_sources(const std::vector<vb_input>& in, const std::string& path) {
  for (auto& x : in)
    if (is_source(x))
      if (auto* v = contribution(x, path))
        return *v;
  return value::invalid();
}

/// What a charging hook gives at `path` (CCL or DCL) for the lookup key
/// `key`; invalid when it gives nothing there.
value charging_value(const hook_spec& h, const std::string& path,
                     const value& key) {
  auto k = key.num();
  if (!k)
    return value::invalid();
  auto& table = path == paths::max_charge_current ? h.ccls : h.dcls;
  auto amps = table_lookup(table, *k);
  return amps ? value::real(*amps) : value::invalid();
}

/// What hook `h` says about `path`: `*out` is set and true returned when the
/// hook takes the path. `voltage` and `temperature` are the lookup keys.
bool hook_value(const hook_spec& h, const std::string& path,
                const value& voltage, const value& temperature, value* out) {
  // Identity paths describe our own service; no hook may rewrite them.
  if (is_identity_path(path))
    return false;
  if (h.kind == fixed_hook) {
    if (path != h.path)
      return false;
    // The user pinned this path: an invalid value pins it invalid.
    *out = h.fixed;
    return true;
  }
  if (path != paths::max_charge_current && path != paths::max_discharge_current)
    return false;
  const value* key = nullptr;
  if (h.kind == voltage_hook)
    key = &voltage;
  else if (h.kind == temperature_hook)
    key = &temperature;
  else
    return false;
  auto v = charging_value(h, path, *key);
  if (!v.valid())
    return false; // no table entry applies: the next input may provide
  *out = v;
  return true;
}

/// The paths a hook may provide.
void hook_paths(const hook_spec& h, std::set<std::string>& out) {
  if (h.kind == fixed_hook) {
    if (!is_identity_path(h.path))
      out.insert(h.path);
  } else if (h.kind == voltage_hook || h.kind == temperature_hook) {
    out.insert(paths::max_charge_current);
    out.insert(paths::max_discharge_current);
  }
}

/// The paths a source provides (see role_merge's `collect`): all it has, or
/// the listed ones even while it is away.
void source_paths(const vb_input& x, std::set<std::string>& out) {
  if (x.ref->all_paths) {
    if (x.values != nullptr)
      for (auto& kv : *x.values)
        if (!is_identity_path(kv.first))
          out.insert(kv.first);
    return;
  }
  for (auto& path : x.ref->paths)
    if (!is_identity_path(path))
      out.insert(path);
}

// -- series helpers -----------------------------------------------------------

value as_integer(size_t n) {
  return value::integer(static_cast<int64_t>(n));
}

/// Sum over every member, invalid as soon as one lacks the value: in series
/// each member adds its own part, and a sum without one of them would look
/// plausible while being wrong.
value strict_sum(const member_list& ms, const std::string& path) {
  if (ms.empty())
    return value::invalid();
  double sum = 0;
  for (auto m : ms) {
    auto x = get(m, path);
    if (!x)
      return value::invalid();
    sum += *x;
  }
  return value::real(sum);
}

/// Power of the string: the sum of members' power, a member without one
/// contributing V x I. Its own current if it has one, else the string
/// current: series members carry the same current. Strict like the sums.
value series_power(const member_list& ms, const value& string_current) {
  if (ms.empty())
    return value::invalid();
  double sum = 0;
  for (auto m : ms) {
    if (auto p = get(m, paths::dc_power)) {
      sum += *p;
      continue;
    }
    auto v = get(m, paths::dc_voltage);
    auto i = get(m, paths::dc_current);
    if (!i)
      i = string_current.num();
    if (!v || !i)
      return value::invalid();
    sum += *v * *i;
  }
  return value::real(sum);
}

/// AND of a 0/1 flag: 0 if any valid member value is 0 (one member refusing
/// to charge blocks the whole string: its cells carry the same current), 1
/// if all valid ones are set, invalid if none is valid.
value flag_and(const member_list& ms, const std::string& path) {
  bool any = false;
  for (auto m : ms)
    if (auto x = get(m, path)) {
      if (*x == 0)
        return value::integer(0);
      any = true;
    }
  return any ? value::integer(1) : value::invalid();
}

/// Decision: the most discharged member's value (min, Victron sign).
value series_consumed(const member_list& ms) {
  bool any = false;
  double result = 0;
  for (auto m : ms)
    if (auto x = get(m, paths::consumed_amphours)) {
      double c = *x > 0 ? -*x : *x;
      result = any ? std::min(result, c) : c;
      any = true;
    }
  return any ? value::real(result) : value::invalid();
}

/// The measurement paths a stale string publishes invalid.
const std::vector<const char*>& measurement_paths() {
  static const std::vector<const char*> paths{
      paths::dc_voltage,
      paths::dc_current,
      paths::dc_power,
      paths::dc_temperature,
      paths::soc,
      paths::soh,
      paths::capacity,
      paths::installed_capacity,
      paths::consumed_amphours,
      paths::time_to_go,
      paths::battery_low_voltage,
      paths::max_charge_voltage,
      paths::balancing,
      paths::allow_to_balance,
      paths::charge_request,
      paths::min_cell_voltage,
      paths::max_cell_voltage,
      paths::min_cell_temperature,
      paths::max_cell_temperature,
      paths::min_voltage_cell_id,
      paths::max_voltage_cell_id,
      paths::min_temperature_cell_id,
      paths::max_temperature_cell_id,
  };
  return paths;
}

} // namespace

caf::optional<double>
table_lookup(const std::vector<std::pair<double, double>>& table, double x) {
  if (!std::isfinite(x))
    return caf::none;
  // First entry with a threshold > x; the one before it is the answer.
  auto i = std::upper_bound(
      table.begin(), table.end(), x,
      [](double v, const std::pair<double, double>& e) { return v < e.first; });
  if (i == table.begin())
    return caf::none; // below every threshold (or an empty table)
  auto amps = std::prev(i)->second;
  if (!std::isfinite(amps))
    return caf::none;
  return amps;
}

value_map merge_kind(const std::vector<vb_input>& in) {
  std::set<std::string> provided;
  for (auto& x : in) {
    if (is_hook(x))
      hook_paths(*x.hook, provided);
    else if (is_source(x))
      source_paths(x, provided);
  }
  // The lookup keys first: a charging hook standing before the battery must
  // still see that battery's voltage.
  auto voltage = merged_sources(in, paths::dc_voltage);
  auto temperature = merged_sources(in, paths::dc_temperature);
  value_map out;
  for (auto& path : provided) {
    auto pick = [&]() -> value {
      for (auto& x : in) {
        if (is_hook(x)) {
          value v;
          if (hook_value(*x.hook, path, voltage, temperature, &v))
            return v;
        } else if (is_source(x)) {
          if (auto* v = contribution(x, path))
            return *v;
        }
      }
      return value::invalid();
    };
    out.emplace(path, pick());
  }
  return out;
}

value_map series_kind(const std::vector<member_view>& members, bool complete) {
  std::vector<member_view> counting;
  for (auto& m : members)
    if (m.values != nullptr)
      counting.push_back(m);
  // A string without one of its members cannot carry current: it is stale
  // as a whole, whatever the caller's flag says.
  bool whole = complete && counting.size() == members.size();
  auto ms = to_member_list(counting);
  value_map out;
  out[paths::batteries_series] = as_integer(members.size());
  out[paths::batteries_parallel] = value::integer(1);
  out[paths::nr_of_batteries] = as_integer(counting.size());
  // Alarms of the members still there stay meaningful (a hot module is hot
  // whether or not its neighbour answers).
  for (auto& [path, v] : aggregate_alarms(ms))
    out[path] = v;
  if (!whole) {
    for (auto* path : measurement_paths())
      out[path] = value::invalid();
    // Nothing is known to be safe: the same outcome as Victron's "BMS lost".
    out[paths::max_charge_current] = value::real(0);
    out[paths::max_discharge_current] = value::real(0);
    out[paths::allow_to_charge] = value::integer(0);
    out[paths::allow_to_discharge] = value::integer(0);
    // The stale marker of product.md 1.1, so that any consumer (the main
    // bank included) treats the string like a stale battery.
    out[paths::alarm_bms_cable] = value::integer(2);
    return out;
  }
  out[paths::dc_voltage] = strict_sum(ms, paths::dc_voltage);
  // One current flows through every member; the mean smooths shunt offsets.
  out[paths::dc_current] = mean_over(ms, paths::dc_current);
  out[paths::dc_power] = series_power(ms, out[paths::dc_current]);
  out[paths::dc_temperature] = max_over(ms, paths::dc_temperature);
  // The weakest member limits the string: it is empty, worn or at its
  // limit first.
  for (auto* path : {paths::soc, paths::soh, paths::capacity,
                     paths::installed_capacity, paths::max_charge_current,
                     paths::max_discharge_current, paths::time_to_go})
    out[path] = min_over(ms, path);
  out[paths::consumed_amphours] = series_consumed(ms);
  // Each member's charge and cut-off voltages add up along the string.
  out[paths::max_charge_voltage] = strict_sum(ms, paths::max_charge_voltage);
  out[paths::battery_low_voltage] = strict_sum(ms, paths::battery_low_voltage);
  for (auto* path : {paths::allow_to_charge, paths::allow_to_discharge,
                     paths::allow_to_balance})
    out[path] = flag_and(ms, path);
  for (auto* path : {paths::balancing, paths::charge_request})
    out[path] = flag_or(ms, path);
  for (auto& [path, v] : cell_extremes(counting))
    out[path] = v;
  return out;
}

void apply_hooks(const std::vector<vb_input>& in, value_map& out) {
  // Keys as computed: a FixedValueHook on the voltage must not change what a
  // charging hook looks up (the same rule as in merge_kind).
  auto key = [&](const char* path) {
    auto i = out.find(path);
    return i == out.end() ? value::invalid() : i->second;
  };
  auto voltage = key(paths::dc_voltage);
  auto temperature = key(paths::dc_temperature);
  std::set<std::string> paths;
  for (auto& x : in)
    if (is_hook(x))
      hook_paths(*x.hook, paths);
  for (auto& path : paths)
    // The first hook in config order that takes the path wins.
    for (auto& x : in) {
      if (!is_hook(x))
        continue;
      value v;
      if (hook_value(*x.hook, path, voltage, temperature, &v)) {
        out[path] = v;
        break;
      }
    }
}

} // namespace ba
