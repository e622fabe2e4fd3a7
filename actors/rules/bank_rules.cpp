#include "actors/rules/bank_rules.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "messages/config.hpp"
#include "messages/path_table.hpp"
#include "messages/paths.hpp"

namespace ba {

namespace {

const path_key cells_per_battery_key{paths::cells_per_battery};

/// The finite number at `key` of one member (member_index.hpp: missing,
/// invalid, text, NaN and infinities are nothing).
caf::optional<double> get(const member_ref& m, const path_key& key) {
  return number_at(m, key);
}

/// The text at `path`, or nullptr when the member has no text there.
const std::string* get_text(const member_ref& m, std::string_view path) {
  if (m.values == nullptr)
    return nullptr;
  auto i = m.values->find(path);
  if (i == m.values->end() || i->second.kind != value_kind::text)
    return nullptr;
  return &i->second.str;
}

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
  });
}

/// Counts, flags and alarms go out as integers (product.md section 7).
/// llround, not a cast: a member publishing a huge value must not make the
/// conversion undefined.
value as_integer(double x) {
  return value::integer(static_cast<int64_t>(std::llround(x)));
}

/// Index of the member holding the extreme of `path` (the first one on a
/// tie), or -1 when no member has a valid value. `better(x, y)` is true when
/// x beats y. A plain index and flag rather than caf::optional: g++ 12 at
/// -O2 reports a false maybe-uninitialized on the optional's payload.
template <class Better>
long extreme_index(const member_list& ms, const path_key& key, Better better,
                   double* result) {
  long found = -1;
  for (size_t k = 0; k < ms.size(); ++k)
    if (auto x = get(ms[k], key))
      if (found < 0 || better(*x, *result)) {
        *result = *x;
        found = static_cast<long>(k);
      }
  return found;
}

bool less(double x, double y) {
  return x < y;
}

bool greater(double x, double y) {
  return x > y;
}

std::string number_text(double x) {
  char buf[64];
  if (x == std::floor(x) && std::abs(x) < 1e15)
    snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(x));
  else
    snprintf(buf, sizeof(buf), "%g", x);
  return buf;
}

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

} // namespace

member_list to_member_list(const std::vector<member_view>& ms) {
  member_list out;
  out.reserve(ms.size());
  for (auto& m : ms)
    out.emplace_back(m.values, m.index);
  return out;
}

const std::string* shown_text(const value_map& values, std::string_view path) {
  auto* text = get_text(&values, path);
  return text != nullptr && !blank(*text) ? text : nullptr;
}

std::string member_label(const std::string& service, const value_map& values) {
  // A user who named a battery wants to read that name in the GUI; a blank
  // name would only produce an id with leading spaces.
  if (auto name = get_text(&values, paths::custom_name))
    if (!blank(*name))
      return *name;
  return service_suffix(service);
}

// -- generic reductions -------------------------------------------------------

value flag_or(const member_list& ms, const path_key& key) {
  // One member allowing something (charging, balancing) is enough for the
  // bank to allow it: the limits (section 2.3) take the members that refuse
  // out of the share instead of blocking the whole bank.
  bool any = false;
  for (auto m : ms)
    if (auto x = get(m, key)) {
      if (*x != 0)
        return value::integer(1);
      any = true;
    }
  return any ? value::integer(0) : value::invalid();
}

value min_over(const member_list& ms, const path_key& key) {
  double result = 0;
  return extreme_index(ms, key, less, &result) >= 0 ? value::real(result)
                                                    : value::invalid();
}

value max_over(const member_list& ms, const path_key& key) {
  double result = 0;
  return extreme_index(ms, key, greater, &result) >= 0 ? value::real(result)
                                                       : value::invalid();
}

value count_sum(const member_list& ms, const path_key& key) {
  auto s = sum_over(ms, key);
  return s.valid() ? as_integer(s.number) : s;
}

// -- rows of section 2.1 ------------------------------------------------------

value charge_mode(const member_list& ms) {
  // The Python add-on's rule, kept so that users' dashboards keep showing the
  // same words. "Transition" marks a bank whose members are in different
  // stages.
  std::vector<std::string> modes;
  for (auto m : ms)
    if (auto s = get_text(m, paths::charge_mode))
      if (!blank(*s))
        modes.push_back(lower(*s));
  if (modes.empty())
    return value::invalid();
  auto count = [&](const char* word) {
    return std::count_if(modes.begin(), modes.end(), [&](const std::string& s) {
      return s.find(word) != std::string::npos;
    });
  };
  auto n = static_cast<long>(modes.size());
  struct stage {
    const char* word;
    const char* all;
    const char* some;
  };
  static const stage stages[] = {
      {"float", "Float", "Float Transition"},
      {"absorption", "Absorption", "Absorption Transition"},
      {"bulk", "Bulk", "Bulk Transition"},
  };
  for (auto& st : stages) {
    auto k = count(st.word);
    if (k == n)
      return value::text(st.all);
    if (k > 0)
      return value::text(st.some);
  }
  return value::text("Charging");
}

namespace {

/// The four cell extremes: value path, id path, which one wins.
struct extreme {
  path_key value_key;
  const char* id_path;
  bool (*better)(double, double);
};

const std::vector<extreme>& extremes() {
  static const std::vector<extreme> rows{
      {paths::min_cell_voltage, paths::min_voltage_cell_id, less},
      {paths::max_cell_voltage, paths::max_voltage_cell_id, greater},
      {paths::min_cell_temperature, paths::min_temperature_cell_id, less},
      {paths::max_cell_temperature, paths::max_temperature_cell_id, greater},
  };
  return rows;
}

void cell_extremes_into(const std::vector<member_view>& ms,
                        const member_list& list, value_writer& out) {
  // The GUI and VRM show where the weakest cell sits; a bare cell id from one
  // of several members would be meaningless, so the member's label leads.
  // Computed from scratch on every call: an id that changes while the value
  // stays the same is picked up too (the Python add-on missed that).
  for (auto& e : extremes()) {
    double result = 0;
    auto k = extreme_index(list, e.value_key, e.better, &result);
    if (k < 0) {
      out.set(e.value_key.path, value::invalid());
      out.set(e.id_path, value::invalid());
      continue;
    }
    auto& holder = ms[static_cast<size_t>(k)];
    out.set(e.value_key.path, value::real(result));
    auto label = member_label(holder.service, *holder.values);
    auto id = get_text(holder.values, e.id_path);
    out.set(e.id_path,
            value::text(id != nullptr && !blank(*id) ? label + " " + *id
                                                     : std::move(label)));
  }
}

} // namespace

value_map cell_extremes(const std::vector<member_view>& ms) {
  value_map out;
  value_writer w{out};
  cell_extremes_into(ms, to_member_list(ms), w);
  return out;
}

value cells_per_battery(const std::vector<member_view>& ms,
                        std::string* warning) {
  // Members with different cell counts cannot be described by one number;
  // publishing either would mislead whoever derives cell voltages from it.
  bool any = false;
  bool agree = true;
  double common = 0;
  for (auto& m : ms)
    if (auto x = get(member_ref{m.values, m.index}, cells_per_battery_key)) {
      if (!any)
        common = *x;
      else if (*x != common)
        agree = false;
      any = true;
    }
  if (warning != nullptr)
    warning->clear();
  if (!any)
    return value::invalid();
  if (!agree) {
    // The text only when it is needed: this runs on every update.
    std::string detail;
    for (auto& m : ms)
      if (auto x = get(member_ref{m.values, m.index}, cells_per_battery_key))
        detail += (detail.empty() ? "" : ", ") + m.service + " = "
                  + number_text(*x);
    if (warning != nullptr)
      *warning = std::string{"members disagree on "} + paths::cells_per_battery
                 + " (" + detail + "): publishing it invalid";
    return value::invalid();
  }
  return as_integer(common);
}

const std::vector<std::string>& standard_alarms() {
  // venus-dbus.md 4.3: the /Alarms rows of the path table, in its order
  // (paths live in one table).
  static const std::vector<std::string> alarms = [] {
    std::vector<std::string> result;
    for (auto& row : path_table())
      if (std::string{row.path}.rfind(paths::alarms_prefix, 0) == 0)
        result.emplace_back(row.path);
    return result;
  }();
  return alarms;
}

namespace {

/// An alarm no member knows stays absent; one that every member has
/// dropped since the last computation into `out` becomes invalid there
/// (never silently gone, as invalidate_vanished does for the whole output).
void aggregate_alarms_into(const member_list& ms, value_writer& out) {
  // The worst member state is the bank's state. An alarm no member knows
  // stays absent: the GUI shows a row for every valid alarm, and a row for
  // something nobody measures would claim "OK" without grounds.
  static const std::vector<path_key> keys = [] {
    std::vector<path_key> result;
    for (auto& path : standard_alarms())
      result.emplace_back(path);
    return result;
  }();
  auto& alarms = standard_alarms();
  for (size_t k = 0; k < alarms.size(); ++k) {
    bool present = false;
    bool any = false;
    double worst = 0;
    for (auto& m : ms) {
      if (!has_path(m, keys[k]))
        continue;
      present = true;
      if (auto x = get(m, keys[k])) {
        worst = any ? std::max(worst, *x) : *x;
        any = true;
      }
    }
    if (present)
      out.set(alarms[k], any ? as_integer(worst) : value::invalid());
    else if (out.out.count(alarms[k]) != 0)
      out.set(alarms[k], value::invalid());
  }
  // The BMS error venus-platform notifies: the code of the first member in
  // list order (service names) that reports one; 0 says none does.
  static const path_key error_key{paths::error_code};
  double code = 0;
  for (auto& m : ms)
    if (auto x = get(m, error_key); x && *x != 0) {
      code = *x;
      break;
    }
  out.set(paths::error_code, as_integer(code));
}

const char* const history_sums[]
    = {paths::charged_energy, paths::discharged_energy, paths::total_ah_drawn};
const char* const history_minima[]
    = {paths::minimum_voltage, paths::minimum_cell_voltage,
       paths::minimum_temperature};
const char* const history_maxima[]
    = {paths::maximum_voltage, paths::maximum_cell_voltage,
       paths::maximum_temperature};
const char* const history_means[]
    = {paths::charge_cycles, paths::full_discharges};

/// The keys of a list of paths, looked up once.
template <size_t N>
std::vector<path_key> keys_of(const char* const (&paths)[N]) {
  return {std::begin(paths), std::end(paths)};
}

void aggregate_history_into(const member_list& ms, value_writer& out) {
  static const auto sums = keys_of(history_sums);
  static const auto minima = keys_of(history_minima);
  static const auto maxima = keys_of(history_maxima);
  static const auto means = keys_of(history_means);
  // Energy and charge drawn add up across parallel members.
  for (auto& key : sums)
    out.set(key.path, sum_over(ms, key));
  // The bank has seen the lowest / highest any member has seen.
  for (auto& key : minima)
    out.set(key.path, min_over(ms, key));
  for (auto& key : maxima)
    out.set(key.path, max_over(ms, key));
  // Cycles describe wear of the bank's charge: a big member counts more.
  for (auto& key : means)
    out.set(key.path, capacity_weighted_mean(ms, key));
}

const char* const flag_paths[]
    = {paths::balancing, paths::allow_to_balance, paths::allow_to_charge,
       paths::allow_to_discharge, paths::charge_request};
const char* const module_paths[]
    = {paths::modules_online, paths::modules_offline,
       paths::modules_blocking_charge, paths::modules_blocking_discharge};

} // namespace

value_map aggregate_alarms(const member_list& ms) {
  value_map out;
  value_writer w{out};
  aggregate_alarms_into(ms, w);
  return out;
}

value_map aggregate_history(const member_list& ms) {
  value_map out;
  value_writer w{out};
  aggregate_history_into(ms, w);
  return out;
}

void aggregate_extras_part(extras_part part, const std::vector<member_view>& ms,
                           const member_list& list, value_writer& out,
                           std::string* warning) {
  switch (part) {
    case extras_part::flags: {
      static const auto flags = keys_of(flag_paths);
      static const path_key low_voltage{paths::battery_low_voltage};
      for (auto& key : flags)
        out.set(key.path, flag_or(list, key));
      out.set(low_voltage.path, max_over(list, low_voltage));
      break;
    }
    case extras_part::charge_mode:
      out.set(paths::charge_mode, charge_mode(list));
      break;
    case extras_part::cells:
      cell_extremes_into(ms, list, out);
      break;
    case extras_part::modules: {
      static const auto modules = keys_of(module_paths);
      for (auto& key : modules)
        out.set(key.path, count_sum(list, key));
      break;
    }
    case extras_part::cells_per_battery: {
      std::string w;
      out.set(paths::cells_per_battery, cells_per_battery(ms, &w));
      if (warning != nullptr)
        *warning = std::move(w);
      break;
    }
    case extras_part::alarms:
      aggregate_alarms_into(list, out);
      break;
    case extras_part::history:
      aggregate_history_into(list, out);
      break;
  }
}

const std::vector<std::string>& extras_inputs(extras_part part) {
  static const auto inputs = [] {
    std::vector<std::vector<std::string>> all(extras_parts);
    auto& flags = all[static_cast<size_t>(extras_part::flags)];
    flags.assign(std::begin(flag_paths), std::end(flag_paths));
    flags.emplace_back(paths::battery_low_voltage);
    all[static_cast<size_t>(extras_part::charge_mode)] = {paths::charge_mode};
    auto& cells = all[static_cast<size_t>(extras_part::cells)];
    for (auto& e : extremes()) {
      cells.emplace_back(e.value_key.path);
      cells.emplace_back(e.id_path);
    }
    cells.emplace_back(paths::custom_name); // the member's label
    all[static_cast<size_t>(extras_part::modules)].assign(
        std::begin(module_paths), std::end(module_paths));
    all[static_cast<size_t>(extras_part::cells_per_battery)]
        = {paths::cells_per_battery};
    auto& alarms = all[static_cast<size_t>(extras_part::alarms)];
    alarms = standard_alarms();
    alarms.emplace_back(paths::error_code);
    auto& history = all[static_cast<size_t>(extras_part::history)];
    for (auto* group : {std::begin(history_sums), std::begin(history_minima),
                        std::begin(history_maxima)})
      history.insert(history.end(), group, group + 3);
    history.insert(history.end(), std::begin(history_means),
                   std::end(history_means));
    history.emplace_back(paths::installed_capacity);
    return all;
  }();
  return inputs[static_cast<size_t>(part)];
}

value_map aggregate_bank_extras(const std::vector<member_view>& ms,
                                std::vector<std::string>* warnings) {
  auto list = to_member_list(ms);
  value_map out;
  value_writer w{out};
  std::string warning;
  for (size_t p = 0; p < extras_parts; ++p)
    aggregate_extras_part(static_cast<extras_part>(p), ms, list, w, &warning);
  if (!warning.empty() && warnings != nullptr)
    warnings->push_back(std::move(warning));
  return out;
}

} // namespace ba
