#include "messages/path_table.hpp"

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
      {"/Mgmt/ProcessName", unit::text, writable::no, "executable name"},
      {"/Mgmt/ProcessVersion", unit::text, writable::no, "version"},
      {"/Mgmt/Connection", unit::text, writable::no, "\"Virtual\""},
      {"/DeviceInstance", unit::count, writable::no,
       "from settings ClassAndVrmInstance, preferred battery:1024"},
      {"/ProductId", unit::count, writable::no, "0"},
      {"/ProductName", unit::text, writable::no, "\"Battery Aggregator\""},
      {"/FirmwareVersion", unit::text, writable::no, "version"},
      {"/HardwareVersion", unit::count, writable::no, "0"},
      {"/Serial", unit::text, writable::no, "service-name suffix"},
      {"/Connected", unit::count, writable::no, "1 while the process runs"},
      {"/CustomName", unit::text, writable::text,
       "writable; persisted at /Settings/Battery/<suffix>/CustomName"},
      {"/LogLevel", unit::text, writable::log_level,
       "writable: DEBUG, INFO, WARNING, ERROR"},
      {"/Redetect", unit::count, writable::trigger,
       "writable: 1 resets the roster to the members online now"},
      {"/Battery/Request/Id", unit::count, writable::member_id,
       "writable: the pack gui-v2 shows, 1..NrOfBatteries; not persisted"},
      // Measurements (product.md 2.1).
      {"/Dc/0/Voltage", unit::volt, writable::no, "mean of members"},
      {"/Dc/0/Current", unit::amp, writable::no, "sum"},
      {"/Dc/0/Power", unit::watt, writable::no,
       "sum; a member without power contributes V x I"},
      {"/Dc/0/Temperature", unit::celsius, writable::no, "max"},
      {"/Soc", unit::percent, writable::no,
       "capacity-weighted mean (socMethod: weighted, mean, min)"},
      {"/Soh", unit::percent, writable::no, "capacity-weighted mean"},
      {"/InstalledCapacity", unit::amphour, writable::no,
       "sum; config capacity overrides"},
      {"/Capacity", unit::amphour, writable::no,
       "sum of remaining Ah; SoC x installed where missing"},
      {"/ConsumedAmphours", unit::amphour, writable::no,
       "sum, Victron sign (<= 0)"},
      {"/TimeToGo", unit::second, writable::no,
       "remaining Ah / discharge current while discharging, max 864000"},
      // Measurements and state (product.md 2.1).
      {"/Balancing", unit::count, writable::no, "OR"},
      {"/Io/AllowToBalance", unit::count, writable::no, "OR"},
      {"/Io/AllowToCharge", unit::count, writable::no,
       "OR over online members"},
      {"/Io/AllowToDischarge", unit::count, writable::no,
       "OR over online members"},
      {"/Info/BatteryLowVoltage", unit::volt, writable::no, "max"},
      {"/Info/ChargeRequest", unit::count, writable::no, "OR"},
      {"/Info/ChargeMode", unit::text, writable::no,
       "Float / Absorption / Bulk (all), ... Transition (some), else Charging"},
      // Limits (product.md 2.3, 2.4).
      {"/Info/MaxChargeCurrent", unit::amp_limit, writable::no,
       "CCL: min over contributing members of CCL x share ratio; cclMode; "
       "rounded down"},
      {"/Info/MaxDischargeCurrent", unit::amp_limit, writable::no,
       "DCL: as CCL with AllowToDischarge; rounded down"},
      {"/Info/MaxChargeVoltage", unit::volt, writable::no,
       "CVL by cvlMode, float filter, DVCC cap"},
      // Cells and modules (product.md 2.1).
      {"/System/MinCellVoltage", unit::cell_volt, writable::no, "min"},
      {"/System/MaxCellVoltage", unit::cell_volt, writable::no, "max"},
      {"/System/MinVoltageCellId", unit::text, writable::no,
       "\"<label> <cell id>\" of the member with the minimum"},
      {"/System/MaxVoltageCellId", unit::text, writable::no,
       "\"<label> <cell id>\" of the member with the maximum"},
      {"/System/MinCellTemperature", unit::celsius, writable::no, "min"},
      {"/System/MaxCellTemperature", unit::celsius, writable::no, "max"},
      {"/System/MinTemperatureCellId", unit::text, writable::no,
       "\"<label> <cell id>\" of the member with the minimum"},
      {"/System/MaxTemperatureCellId", unit::text, writable::no,
       "\"<label> <cell id>\" of the member with the maximum"},
      {"/System/NrOfModulesOnline", unit::count, writable::no, "sum"},
      {"/System/NrOfModulesOffline", unit::count, writable::no, "sum"},
      {"/System/NrOfModulesBlockingCharge", unit::count, writable::no, "sum"},
      {"/System/NrOfModulesBlockingDischarge", unit::count, writable::no,
       "sum"},
      {"/System/NrOfCellsPerBattery", unit::count, writable::no,
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
      {"/Alarms/BmsCable", unit::count, writable::no,
       "2 when no member counts; else max over members"},
      {"/Alarms/StateOfHealth", unit::count, writable::no, "max over members"},
      {"/Alarms/BatteryTemperatureSensor", unit::count, writable::no,
       "max over members"},
      {"/Alarms/FirmwareUpdateFailure", unit::count, writable::no,
       "max over members"},
      {"/Alarms/ParallelBmsLost", unit::count, writable::no,
       "2 while a roster member is missing; else max over members, 0"},
      {"/ErrorCode", unit::count, writable::no,
       "first nonzero code of the members by service name; else 0"},
      // History (product.md 2.1).
      {"/History/ChargedEnergy", unit::kwh, writable::no, "sum"},
      {"/History/DischargedEnergy", unit::kwh, writable::no, "sum"},
      {"/History/TotalAhDrawn", unit::amphour, writable::no, "sum"},
      {"/History/MinimumVoltage", unit::volt, writable::no, "min"},
      {"/History/MaximumVoltage", unit::volt, writable::no, "max"},
      {"/History/MinimumCellVoltage", unit::cell_volt, writable::no, "min"},
      {"/History/MaximumCellVoltage", unit::cell_volt, writable::no, "max"},
      {"/History/MinimumTemperature", unit::celsius, writable::no, "min"},
      {"/History/MaximumTemperature", unit::celsius, writable::no, "max"},
      {"/History/ChargeCycles", unit::count, writable::no,
       "capacity-weighted mean"},
      {"/History/FullDischarges", unit::count, writable::no,
       "capacity-weighted mean"},
      // Roster and diagnostics (product.md 2.5).
      {"/System/NrOfBatteries", unit::count, writable::no,
       "number of members counting now (online, or inside reconnectTimeout)"},
      {"/System/Batteries", unit::text, writable::no,
       "JSON list of member service names"},
      {"/System/NrOfBatteriesKnown", unit::count, writable::no,
       "roster size: members seen since start or /Redetect"},
      {"/System/MissingBatteries", unit::text, writable::no,
       "JSON list of roster members not online"},
      {"/System/BatteriesParallel", unit::count, writable::no,
       "number of online members"},
      {"/System/BatteriesSeries", unit::count, writable::no,
       "1 for a parallel bank"},
      {"/System/InternalResistances", unit::text, writable::no,
       "JSON list aligned with /System/Batteries: estimated R in ohm or null"},
      {"/System/EMFs", unit::text, writable::no,
       "JSON list aligned with /System/Batteries: V - I x R in V or null"},
      {"/System/LimitExplanation", unit::text, writable::no,
       "JSON: why CCL and DCL are what they are (see below)"},
      {"/Info/ChargeLimitation", unit::text, writable::no,
       "what sets CCL: the pack and the rule, at most 100 characters"},
      {"/Info/DischargeLimitation", unit::text, writable::no,
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
  static constexpr std::string_view family_prefix = "/Battery/";
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
