#include "actors/rules/input_check.hpp"

#include <cmath>
#include <cstdio>
#include <unordered_map>

#include "messages/path_table.hpp"
#include "messages/paths.hpp"

namespace ba {

namespace {

enum class check_kind {
  pass,   ///< not checked at all
  text,   ///< a text path: anything goes, the rules ignore wrong kinds
  finite, ///< a number without a plausible range (flags, ids)
  range,  ///< a finite number within [lo, hi]
};

struct rule {
  check_kind kind;
  const char* label;
  double lo;
  double hi;
};

// 10 years of 365 days. TimeToGo is capped at 864000 s (10 days) by Victron
// and this product, but third-party drivers report long idle times as they
// are; only a time beyond any battery's shelf life is nonsense.
constexpr double ten_years = 10.0 * 365 * 24 * 3600;

// Lifetime counters (Ah drawn, kWh) grow without bound over a battery's
// life: 1e9 is far beyond any real bank and still catches garbage. Their
// sign convention varies between drivers (as for ConsumedAmphours), so only
// the magnitude is checked.
constexpr double lifetime = 1e9;

// By unit, for every path-table row without an entry of its own below.
rule by_unit(unit u) {
  switch (u) {
    case unit::volt:
      // Venus batteries are 12..800 V systems; 1000 V is beyond any of
      // them. The sign is not checked: a shunt wired backwards reads < 0.
      return {check_kind::range, "voltage", -1000, 1000};
    case unit::cell_volt:
      // Every lithium and lead chemistry stays well below 5 V per cell.
      return {check_kind::range, "cell voltage", 0, 10};
    case unit::amp:
      // 10 kA is more than any battery bank a GX can manage.
      return {check_kind::range, "current", -10000, 10000};
    case unit::amp_limit:
      // A limit is a magnitude: a negative one has no meaning, and reading
      // it as 0 would stop charging for no reason.
      return {check_kind::range, "current limit", 0, 10000};
    case unit::watt:
      // 10 MW: 1000 V x 10 kA.
      return {check_kind::range, "power", -1e7, 1e7};
    case unit::percent:
      // A percentage of a whole: SoC and SoH cannot leave 0..100.
      return {check_kind::range, "percentage", 0, 100};
    case unit::celsius:
      // Beyond any sensor a BMS carries; a disconnected NTC often reads
      // -273 or 6553.5, which must not become the bank's max temperature.
      return {check_kind::range, "temperature", -100, 200};
    case unit::amphour:
      // 100000 Ah: a 48 V bank of 4.8 MWh; the sign varies between drivers.
      return {check_kind::range, "charge", -100000, 100000};
    case unit::second:
      return {check_kind::range, "time", 0, ten_years};
    case unit::kwh:
      return {check_kind::range, "energy", -lifetime, lifetime};
    case unit::count:
      // Modules, cells, cycles: 100000 is beyond any real battery.
      return {check_kind::range, "count", 0, 100000};
    case unit::text:
      return {check_kind::text, "", 0, 0};
  }
  return {check_kind::pass, "", 0, 0};
}

// Paths whose rule differs from their unit's, or that the aggregate reads
// without publishing them.
const std::unordered_map<std::string, rule>& by_path() {
  // Flags: the rules read "nonzero" as yes, so every finite number has a
  // meaning (velib drivers send True as b, 1 or 1.0).
  static const rule flag{check_kind::finite, "flag", 0, 0};
  static const std::unordered_map<std::string, rule> table{
      {paths::connected, flag},
      {paths::balancing, flag},
      {paths::charge_request, flag},
      // Ids are labels, not quantities: any finite number.
      {paths::device_instance, {check_kind::finite, "device instance", 0, 0}},
      {paths::product_id, {check_kind::finite, "product id", 0, 0}},
      // Victron publishes an int, dbus-serialbattery a text: the aggregate
      // never reads it, so no kind is wrong.
      {paths::hardware_version, {check_kind::pass, "", 0, 0}},
      {paths::soc, {check_kind::range, "SoC", 0, 100}},
      {paths::soh, {check_kind::range, "SoH", 0, 100}},
      // Capacities are sizes: a negative one would cancel another member's
      // capacity in the weighted SoC.
      {paths::installed_capacity,
       {check_kind::range, "installed capacity", 0, 100000}},
      {paths::capacity, {check_kind::range, "capacity", 0, 100000}},
      // Either sign (product.md 2.1 converts); the magnitude is a capacity.
      {paths::consumed_amphours,
       {check_kind::range, "consumed Ah", -100000, 100000}},
      {paths::time_to_go, {check_kind::range, "time to go", 0, ten_years}},
      {paths::total_ah_drawn,
       {check_kind::range, "total Ah drawn", -lifetime, lifetime}},
      {paths::max_charge_current, {check_kind::range, "CCL", 0, 10000}},
      {paths::max_discharge_current, {check_kind::range, "DCL", 0, 10000}},
      // A limit: 0 is "no limit" to the CVL rule, a negative one nonsense.
      {paths::max_charge_voltage, {check_kind::range, "CVL", 0, 1000}},
      // Read by no rule today, but voltages like /Dc/0/Voltage.
      {paths::mid_voltage, {check_kind::range, "mid voltage", -1000, 1000}},
      {paths::starter_voltage,
       {check_kind::range, "starter voltage", -1000, 1000}},
  };
  return table;
}

bool starts_with(const std::string& s, const char* prefix) {
  return s.compare(0, std::char_traits<char>::length(prefix), prefix) == 0;
}

rule rule_of(const std::string& path) {
  auto& table = by_path();
  if (auto i = table.find(path); i != table.end())
    return i->second;
  // Before the path table: it lists /Io/AllowTo* and the alarms as plain
  // counts, and sources publish more alarms and IO flags than we do.
  if (starts_with(path, paths::alarms_prefix))
    // 0 ok, 1 warning, 2 alarm (venus-dbus.md 4.3). A fraction in between
    // is accepted: the max rule still orders it correctly.
    return {check_kind::range, "alarm", 0, 2};
  if (starts_with(path, paths::io_prefix))
    return {check_kind::finite, "flag", 0, 0};
  if (auto row = find_path(path))
    return by_unit(row->u);
  return {check_kind::pass, "", 0, 0};
}

// Enough digits that "100.0001" does not print as "100".
std::string show(double x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.10g", x);
  return buf;
}

input_verdict reject(std::string reason) {
  return {value::invalid(), true, std::move(reason)};
}

} // namespace

input_verdict check_input(const std::string& path, const value& v) {
  if (!v.valid())
    return {v, false, {}};
  auto r = rule_of(path);
  switch (r.kind) {
    case check_kind::pass:
    case check_kind::text:
      return {v, false, {}};
    case check_kind::finite:
    case check_kind::range:
      break;
  }
  if (v.kind == value_kind::text)
    return reject("text where a number is expected");
  if (!std::isfinite(v.number))
    return reject("not a finite number");
  if (r.kind == check_kind::range && (v.number < r.lo || v.number > r.hi))
    return reject(std::string{r.label} + " " + show(v.number) + " outside "
                  + show(r.lo) + ".." + show(r.hi));
  return {v, false, {}};
}

} // namespace ba
