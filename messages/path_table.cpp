#include "messages/path_table.hpp"
#include "messages/paths.hpp"

#include <unordered_map>

namespace ba {

char wire_type(unit u) {
  switch (u) {
    case unit::count:
      return 'i';
    case unit::text:
      return 's';
    default:
      return 'd';
  }
}

double resolution(unit u) {
  switch (u) {
    case unit::volt:
      return 0.01;
    case unit::cell_volt:
      return 0.001;
    case unit::amp:
    case unit::amp_limit:
    case unit::percent:
    case unit::celsius:
    case unit::amphour:
      return 0.1;
    case unit::watt:
    case unit::second:
      return 1;
    case unit::kwh:
      return 0.01;
    default:
      return 0;
  }
}

const char* unit_suffix(unit u) {
  switch (u) {
    case unit::volt:
    case unit::cell_volt:
      return "V";
    case unit::amp:
    case unit::amp_limit:
      return "A";
    case unit::watt:
      return "W";
    case unit::percent:
      return "%";
    case unit::celsius:
      return "\u00b0C";
    case unit::amphour:
      return "Ah";
    case unit::second:
      return "s";
    case unit::kwh:
      return "kWh";
    default:
      return "";
  }
}

const std::vector<path_info>& path_table() {
  static const std::vector<path_info> table{
      // Identity (product.md 2.5).
      {paths::mgmt_process_name, unit::text, writable::no, "executable name"},
      {paths::mgmt_process_version, unit::text, writable::no, "version"},
      {paths::mgmt_connection, unit::text, writable::no, "\"Virtual\""},
      {paths::device_instance, unit::count, writable::no,
       "from settings ClassAndVrmInstance, preferred battery:1024"},
      {paths::product_id, unit::count, writable::no, "0"},
      {paths::product_name, unit::text, writable::no, "\"Battery Aggregator\""},
      {paths::firmware_version, unit::text, writable::no, "version"},
      {paths::hardware_version, unit::count, writable::no, "0"},
      {paths::serial, unit::text, writable::no, "service-name suffix"},
      {paths::connected, unit::count, writable::no, "1 while the process runs"},
      {paths::custom_name, unit::text, writable::text,
       "writable; persisted at /Settings/Battery/<suffix>/CustomName"},
      {paths::log_level, unit::text, writable::log_level,
       "writable: DEBUG, INFO, WARNING, ERROR"},
      {paths::redetect, unit::count, writable::trigger,
       "writable: 1 resets the roster to the members online now"},
      {paths::request_id, unit::count, writable::member_id,
       "writable: the pack gui-v2 shows, 1..NrOfBatteries; not persisted"},
      // Measurements (product.md 2.1).
      {paths::dc_voltage, unit::volt, writable::no, "mean of members"},
      {paths::dc_current, unit::amp, writable::no, "sum"},
      {paths::dc_power, unit::watt, writable::no,
       "sum; a member without power contributes V x I"},
      {paths::dc_temperature, unit::celsius, writable::no, "max"},
      {paths::soc, unit::percent, writable::no,
       "capacity-weighted mean (socMethod: weighted, mean, min)"},
      {paths::soh, unit::percent, writable::no, "capacity-weighted mean"},
      {paths::installed_capacity, unit::amphour, writable::no,
       "sum; config capacity overrides"},
      {paths::capacity, unit::amphour, writable::no,
       "sum of remaining Ah; SoC x installed where missing"},
      {paths::consumed_amphours, unit::amphour, writable::no,
       "sum, Victron sign (<= 0)"},
      {paths::time_to_go, unit::second, writable::no,
       "remaining Ah / discharge current while discharging, max 864000"},
      // Measurements and state (product.md 2.1).
      {paths::balancing, unit::count, writable::no, "OR"},
      {paths::allow_to_balance, unit::count, writable::no, "OR"},
      {paths::allow_to_charge, unit::count, writable::no,
       "OR over online members"},
      {paths::allow_to_discharge, unit::count, writable::no,
       "OR over online members"},
      {paths::battery_low_voltage, unit::volt, writable::no, "max"},
      {paths::charge_request, unit::count, writable::no, "OR"},
      {paths::charge_mode, unit::text, writable::no,
       "Float / Absorption / Bulk (all), ... Transition (some), else Charging"},
      // Limits (product.md 2.3, 2.4).
      {paths::max_charge_current, unit::amp_limit, writable::no,
       "CCL: min over contributing members of CCL x share ratio; cclMode; "
       "rounded down"},
      {paths::max_discharge_current, unit::amp_limit, writable::no,
       "DCL: as CCL with AllowToDischarge; rounded down"},
      {paths::max_charge_voltage, unit::volt, writable::no,
       "CVL by cvlMode, float filter, DVCC cap"},
      // Cells and modules (product.md 2.1).
      {paths::min_cell_voltage, unit::cell_volt, writable::no, "min"},
      {paths::max_cell_voltage, unit::cell_volt, writable::no, "max"},
      {paths::min_voltage_cell_id, unit::text, writable::no,
       "\"<label> <cell id>\" of the member with the minimum"},
      {paths::max_voltage_cell_id, unit::text, writable::no,
       "\"<label> <cell id>\" of the member with the maximum"},
      {paths::min_cell_temperature, unit::celsius, writable::no, "min"},
      {paths::max_cell_temperature, unit::celsius, writable::no, "max"},
      {paths::min_temperature_cell_id, unit::text, writable::no,
       "\"<label> <cell id>\" of the member with the minimum"},
      {paths::max_temperature_cell_id, unit::text, writable::no,
       "\"<label> <cell id>\" of the member with the maximum"},
      {paths::modules_online, unit::count, writable::no, "sum"},
      {paths::modules_offline, unit::count, writable::no, "sum"},
      {paths::modules_blocking_charge, unit::count, writable::no, "sum"},
      {paths::modules_blocking_discharge, unit::count, writable::no, "sum"},
      {paths::cells_per_battery, unit::count, writable::no,
       "the common value; invalid when members disagree"},
      {"/Alarms/Alarm", unit::count, writable::no, "max over members"},
      {"/Alarms/LowVoltage", unit::count, writable::no, "max over members"},
      {"/Alarms/HighVoltage", unit::count, writable::no, "max over members"},
      {"/Alarms/HighCellVoltage", unit::count, writable::no,
       "max over members"},
      {"/Alarms/LowCellVoltage", unit::count, writable::no, "max over members"},
      {"/Alarms/LowStarterVoltage", unit::count, writable::no,
       "max over members"},
      {"/Alarms/HighStarterVoltage", unit::count, writable::no,
       "max over members"},
      {"/Alarms/LowSoc", unit::count, writable::no, "max over members"},
      {"/Alarms/HighChargeCurrent", unit::count, writable::no,
       "max over members"},
      {"/Alarms/HighDischargeCurrent", unit::count, writable::no,
       "max over members"},
      {"/Alarms/HighCurrent", unit::count, writable::no, "max over members"},
      {"/Alarms/CellImbalance", unit::count, writable::no, "max over members"},
      {"/Alarms/InternalFailure", unit::count, writable::no,
       "max over members"},
      {"/Alarms/HighChargeTemperature", unit::count, writable::no,
       "max over members"},
      {"/Alarms/LowChargeTemperature", unit::count, writable::no,
       "max over members"},
      {"/Alarms/LowTemperature", unit::count, writable::no, "max over members"},
      {"/Alarms/HighTemperature", unit::count, writable::no,
       "max over members"},
      {"/Alarms/HighInternalTemperature", unit::count, writable::no,
       "max over members"},
      {"/Alarms/MidVoltage", unit::count, writable::no, "max over members"},
      {"/Alarms/LowFusedVoltage", unit::count, writable::no,
       "max over members"},
      {"/Alarms/HighFusedVoltage", unit::count, writable::no,
       "max over members"},
      {"/Alarms/FuseBlown", unit::count, writable::no, "max over members"},
      {"/Alarms/Contactor", unit::count, writable::no, "max over members"},
      {paths::alarm_bms_cable, unit::count, writable::no,
       "2 when no member counts; else max over members"},
      {"/Alarms/StateOfHealth", unit::count, writable::no, "max over members"},
      {"/Alarms/BatteryTemperatureSensor", unit::count, writable::no,
       "max over members"},
      {"/Alarms/FirmwareUpdateFailure", unit::count, writable::no,
       "max over members"},
      {paths::alarm_parallel_bms_lost, unit::count, writable::no,
       "2 while a roster member is missing; else max over members, 0"},
      {paths::error_code, unit::count, writable::no,
       "first nonzero code of the members by service name; else 0"},
      // History (product.md 2.1).
      {paths::charged_energy, unit::kwh, writable::no, "sum"},
      {paths::discharged_energy, unit::kwh, writable::no, "sum"},
      {paths::total_ah_drawn, unit::amphour, writable::no, "sum"},
      {paths::minimum_voltage, unit::volt, writable::no, "min"},
      {paths::maximum_voltage, unit::volt, writable::no, "max"},
      {paths::minimum_cell_voltage, unit::cell_volt, writable::no, "min"},
      {paths::maximum_cell_voltage, unit::cell_volt, writable::no, "max"},
      {paths::minimum_temperature, unit::celsius, writable::no, "min"},
      {paths::maximum_temperature, unit::celsius, writable::no, "max"},
      {paths::charge_cycles, unit::count, writable::no,
       "capacity-weighted mean"},
      {paths::full_discharges, unit::count, writable::no,
       "capacity-weighted mean"},
      // Roster and diagnostics (product.md 2.5).
      {paths::nr_of_batteries, unit::count, writable::no,
       "number of members counting now (online, or inside reconnectTimeout)"},
      {paths::batteries, unit::text, writable::no,
       "JSON list of member service names"},
      {paths::nr_of_batteries_known, unit::count, writable::no,
       "roster size: members seen since start or /Redetect"},
      {paths::missing_batteries, unit::text, writable::no,
       "JSON list of roster members not online"},
      {paths::batteries_parallel, unit::count, writable::no,
       "number of online members"},
      {paths::batteries_series, unit::count, writable::no,
       "1 for a parallel bank"},
      {paths::internal_resistances, unit::text, writable::no,
       "JSON list aligned with /System/Batteries: estimated R in ohm or null"},
      {paths::emfs, unit::text, writable::no,
       "JSON list aligned with /System/Batteries: V - I x R in V or null"},
      {paths::limit_explanation, unit::text, writable::no,
       "JSON: why CCL and DCL are what they are (see below)"},
      {paths::charge_limitation, unit::text, writable::no,
       "what sets CCL: the pack and the rule, at most 100 characters"},
      {paths::discharge_limitation, unit::text, writable::no,
       "what sets DCL: the pack and the rule, at most 100 characters"},
      // One page per counting member for gui-v2 (gx-native: "Individual
      // Battery Info"), n = 1..NrOfBatteries by service name. Families:
      // find_path maps "/Battery/3/Cell/12/Voltage" to its row.
      {"/Battery/<n>/Serial", unit::text, writable::no,
       "the member's /Serial, else its /CustomName, else its name's suffix"},
      {"/Battery/<n>/Capacity", unit::amphour, writable::no,
       "its /InstalledCapacity, else its /Capacity"},
      {"/Battery/<n>/Status", unit::count, writable::no, "its /State"},
      {"/Battery/<n>/Voltage", unit::volt, writable::no, "its /Dc/0/Voltage"},
      {"/Battery/<n>/Current", unit::amp, writable::no, "its /Dc/0/Current"},
      {"/Battery/<n>/Temperature", unit::celsius, writable::no,
       "its /Dc/0/Temperature"},
      {"/Battery/<n>/Cell/<c>/Voltage", unit::cell_volt, writable::no,
       "its /Voltages/Cell<c>"},
      {"/Battery/<n>/Cell/<c>/Temperature", unit::celsius, writable::no,
       "its /Temperatures/Cell<c>"},
  };
  return table;
}

namespace {

/// `path` with every segment of digits (and every `<n>`-style placeholder)
/// written as `#`, into `out`; false when it has none (then it is no
/// family member) or does not fit.
bool family_form(std::string_view path, std::string& out) {
  out.clear();
  bool any = false;
  size_t i = 0;
  while (i < path.size()) {
    auto end = path.find('/', i + 1);
    if (end == std::string_view::npos)
      end = path.size();
    auto seg = path.substr(i + 1, end - i - 1);
    bool digits
        = !seg.empty()
          && seg.find_first_not_of("0123456789") == std::string_view::npos;
    bool placeholder
        = seg.size() == 3 && seg.front() == '<' && seg.back() == '>';
    out += '/';
    if (digits || placeholder) {
      out += '#';
      any = true;
    } else {
      out.append(seg.data(), seg.size());
    }
    i = end;
  }
  return any;
}

} // namespace

const path_info* find_path(std::string_view path) {
  // Keys view the table's own strings, which live as long as the program.
  static const auto index = [] {
    std::unordered_map<std::string_view, const path_info*> m;
    for (auto& row : path_table())
      m.emplace(row.path, &row);
    return m;
  }();
  static const auto families = [] {
    std::unordered_map<std::string, const path_info*> m;
    std::string form;
    for (auto& row : path_table())
      if (family_form(row.path, form))
        m.emplace(form, &row);
    return m;
  }();
  auto i = index.find(path);
  if (i != index.end())
    return i->second;
  // Only the member pages have families: other paths are answered without
  // building their family form (this runs for every published path).
  static constexpr std::string_view family_prefix = paths::page_prefix;
  if (path.compare(0, family_prefix.size(), family_prefix) != 0)
    return nullptr;
  // One buffer per thread: no allocation once it has grown.
  thread_local std::string form;
  if (!family_form(path, form))
    return nullptr;
  auto f = families.find(form);
  return f == families.end() ? nullptr : f->second;
}

} // namespace ba
