#include "actors/rules/virtual_rules.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "actors/rules/role_merge.hpp"
#include "messages/path_table.hpp"

namespace ba {

namespace {

constexpr char fixed_hook[] = "hooks.FixedValueHook";
constexpr char voltage_hook[] = "hooks.CustomChargingHook";
constexpr char temperature_hook[] = "hooks.TemperatureChargingHook";

constexpr char voltage_path[] = "/Dc/0/Voltage";
constexpr char current_path[] = "/Dc/0/Current";
constexpr char power_path[] = "/Dc/0/Power";
constexpr char temperature_path[] = "/Dc/0/Temperature";
constexpr char ccl_path[] = "/Info/MaxChargeCurrent";
constexpr char dcl_path[] = "/Info/MaxDischargeCurrent";
constexpr char cvl_path[] = "/Info/MaxChargeVoltage";
constexpr char low_voltage_path[] = "/Info/BatteryLowVoltage";
constexpr char consumed_path[] = "/ConsumedAmphours";
constexpr char bms_cable_path[] = "/Alarms/BmsCable";

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
  auto& table = path == ccl_path ? h.ccls : h.dcls;
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
  if (path != ccl_path && path != dcl_path)
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
void hook_paths(const hook_spec& h, std::set<std::string>& paths) {
  if (h.kind == fixed_hook) {
    if (!is_identity_path(h.path))
      paths.insert(h.path);
  } else if (h.kind == voltage_hook || h.kind == temperature_hook) {
    paths.insert(ccl_path);
    paths.insert(dcl_path);
  }
}

/// The paths a source provides (see role_merge's `collect`): all it has, or
/// the listed ones even while it is away.
void source_paths(const vb_input& x, std::set<std::string>& paths) {
  if (x.ref->all_paths) {
    if (x.values != nullptr)
      for (auto& kv : *x.values)
        if (!is_identity_path(kv.first))
          paths.insert(kv.first);
    return;
  }
  for (auto& path : x.ref->paths)
    if (!is_identity_path(path))
      paths.insert(path);
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
    if (auto p = get(m, power_path)) {
      sum += *p;
      continue;
    }
    auto v = get(m, voltage_path);
    auto i = get(m, current_path);
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
    if (auto x = get(m, consumed_path)) {
      double c = *x > 0 ? -*x : *x;
      result = any ? std::min(result, c) : c;
      any = true;
    }
  return any ? value::real(result) : value::invalid();
}

/// The measurement paths a stale string publishes invalid.
const std::vector<const char*>& measurement_paths() {
  static const std::vector<const char*> paths{
      voltage_path,
      current_path,
      power_path,
      temperature_path,
      "/Soc",
      "/Soh",
      "/Capacity",
      "/InstalledCapacity",
      consumed_path,
      "/TimeToGo",
      low_voltage_path,
      cvl_path,
      "/Balancing",
      "/Io/AllowToBalance",
      "/Info/ChargeRequest",
      "/System/MinCellVoltage",
      "/System/MaxCellVoltage",
      "/System/MinCellTemperature",
      "/System/MaxCellTemperature",
      "/System/MinVoltageCellId",
      "/System/MaxVoltageCellId",
      "/System/MinTemperatureCellId",
      "/System/MaxTemperatureCellId",
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
  std::set<std::string> paths;
  for (auto& x : in) {
    if (is_hook(x))
      hook_paths(*x.hook, paths);
    else if (is_source(x))
      source_paths(x, paths);
  }
  // The lookup keys first: a charging hook standing before the battery must
  // still see that battery's voltage.
  auto voltage = merged_sources(in, voltage_path);
  auto temperature = merged_sources(in, temperature_path);
  value_map out;
  for (auto& path : paths) {
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
  out["/System/BatteriesSeries"] = as_integer(members.size());
  out["/System/BatteriesParallel"] = value::integer(1);
  out["/System/NrOfBatteries"] = as_integer(counting.size());
  // Alarms of the members still there stay meaningful (a hot module is hot
  // whether or not its neighbour answers).
  for (auto& [path, v] : aggregate_alarms(ms))
    out[path] = v;
  if (!whole) {
    for (auto* path : measurement_paths())
      out[path] = value::invalid();
    // Nothing is known to be safe: the same outcome as Victron's "BMS lost".
    out[ccl_path] = value::real(0);
    out[dcl_path] = value::real(0);
    out["/Io/AllowToCharge"] = value::integer(0);
    out["/Io/AllowToDischarge"] = value::integer(0);
    // The stale marker of product.md 1.1, so that any consumer (the main
    // bank included) treats the string like a stale battery.
    out[bms_cable_path] = value::integer(2);
    return out;
  }
  out[voltage_path] = strict_sum(ms, voltage_path);
  // One current flows through every member; the mean smooths shunt offsets.
  out[current_path] = mean_over(ms, current_path);
  out[power_path] = series_power(ms, out[current_path]);
  out[temperature_path] = max_over(ms, temperature_path);
  // The weakest member limits the string: it is empty, worn or at its
  // limit first.
  for (auto* path : {"/Soc", "/Soh", "/Capacity", "/InstalledCapacity",
                     ccl_path, dcl_path, "/TimeToGo"})
    out[path] = min_over(ms, path);
  out[consumed_path] = series_consumed(ms);
  // Each member's charge and cut-off voltages add up along the string.
  out[cvl_path] = strict_sum(ms, cvl_path);
  out[low_voltage_path] = strict_sum(ms, low_voltage_path);
  for (auto* path :
       {"/Io/AllowToCharge", "/Io/AllowToDischarge", "/Io/AllowToBalance"})
    out[path] = flag_and(ms, path);
  for (auto* path : {"/Balancing", "/Info/ChargeRequest"})
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
  auto voltage = key(voltage_path);
  auto temperature = key(temperature_path);
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
