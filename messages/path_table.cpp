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
      // Roster (product.md 2.5).
      {"/System/NrOfBatteries", unit::count, writable::no,
       "number of online members"},
      {"/System/Batteries", unit::text, writable::no,
       "JSON list of member service names"},
  };
  return table;
}

const path_info* find_path(const std::string& path) {
  static const auto index = [] {
    std::unordered_map<std::string, const path_info*> m;
    for (auto& row : path_table())
      m.emplace(row.path, &row);
    return m;
  }();
  auto i = index.find(path);
  return i == index.end() ? nullptr : i->second;
}

} // namespace ba
