#include "main/config_paths.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <unordered_map>

#include "main/config_suggest.hpp"
#include "messages/path_table.hpp"

namespace ba {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return s;
}

/// The standard battery paths of venus-dbus.md sections 3 and 4 (plus the
/// /History paths product.md 2.1 aggregates). THE one list of them in main/:
/// path normalisation ("/SoC" -> "/Soc") only knows what is here or in the
/// path table. Families without a fixed set of names (`/Voltages/Cell<N>`,
/// `/Distributor/*`, `/TimeToSoC/*`...) are not listed: they pass through
/// as written.
const char* const standard_paths[] = {
    // Section 3: mandatory and common paths of every product service.
    "/Mgmt/ProcessName",
    "/Mgmt/ProcessVersion",
    "/Mgmt/Connection",
    "/Mgmt/InsecureConnection",
    "/DeviceInstance",
    "/ProductId",
    "/ProductName",
    "/FirmwareVersion",
    "/HardwareVersion",
    "/Connected",
    "/CustomName",
    "/Serial",
    "/UpdateIndex",
    // 4.1 DC, SoC, capacity.
    "/Dc/0/Voltage",
    "/Dc/0/Current",
    "/Dc/0/Power",
    "/Dc/0/Temperature",
    "/Dc/0/MidVoltage",
    "/Dc/0/MidVoltageDeviation",
    "/Dc/1/Voltage",
    "/Soc",
    "/Soh",
    "/Capacity",
    "/InstalledCapacity",
    "/ConsumedAmphours",
    "/TimeToGo",
    // 4.2 BMS parameters.
    "/Info/MaxChargeVoltage",
    "/Info/MaxChargeCurrent",
    "/Info/MaxDischargeCurrent",
    "/Info/BatteryLowVoltage",
    "/Info/ChargeRequest",
    "/Capabilities/ChargeVoltageControl",
    // 4.3 Alarms: all of them are rows of path_table(), joined below.
    // 4.4 System.
    "/System/MinCellVoltage",
    "/System/MaxCellVoltage",
    "/System/MinVoltageCellId",
    "/System/MaxVoltageCellId",
    "/System/MinCellTemperature",
    "/System/MaxCellTemperature",
    "/System/MinTemperatureCellId",
    "/System/MaxTemperatureCellId",
    "/System/NrOfModulesOnline",
    "/System/NrOfModulesOffline",
    "/System/NrOfModulesBlockingCharge",
    "/System/NrOfModulesBlockingDischarge",
    "/System/NrOfBatteries",
    "/System/BatteriesParallel",
    "/System/BatteriesSeries",
    "/System/NrOfCellsPerBattery",
    // 4.5 IO, state, relay, misc.
    "/Io/AllowToCharge",
    "/Io/AllowToDischarge",
    "/Io/ExternalRelay",
    "/Io/AllowToBalance",
    "/Balancing",
    "/Balancer/Status",
    "/State",
    "/ErrorCode",
    "/SystemSwitch",
    "/Mode",
    "/Relay/0/State",
    "/Diagnostics/ShutDownsDueError",
    "/Diagnostics/LastErrors/1/Error",
    "/Diagnostics/LastErrors/1/Time",
    "/Diagnostics/LastErrors/2/Error",
    "/Diagnostics/LastErrors/2/Time",
    "/Diagnostics/LastErrors/3/Error",
    "/Diagnostics/LastErrors/3/Time",
    "/Diagnostics/LastErrors/4/Error",
    "/Diagnostics/LastErrors/4/Time",
    "/History/DeepestDischarge",
    "/History/LastDischarge",
    "/History/AverageDischarge",
    "/History/ChargeCycles",
    "/History/FullDischarges",
    "/History/TotalAhDrawn",
    "/History/MinimumVoltage",
    "/History/MaximumVoltage",
    "/History/TimeSinceLastFullCharge",
    "/History/AutomaticSyncs",
    "/History/LowVoltageAlarms",
    "/History/HighVoltageAlarms",
    "/History/LowStarterVoltageAlarms",
    "/History/HighStarterVoltageAlarms",
    "/History/MinimumStarterVoltage",
    "/History/MaximumStarterVoltage",
    "/History/LowFusedVoltageAlarms",
    "/History/HighFusedVoltageAlarms",
    "/History/MinimumFusedVoltage",
    "/History/MaximumFusedVoltage",
    "/History/DischargedEnergy",
    "/History/ChargedEnergy",
    "/History/MinimumCellVoltage",
    "/History/MaximumCellVoltage",
    // product.md 2.1 aggregates these two as well.
    "/History/MinimumTemperature",
    "/History/MaximumTemperature",
    "/Settings/HasTemperature",
    "/Settings/HasStarterVoltage",
    "/Settings/HasMidVoltage",
    "/Settings/HasSettings",
    "/Sense/Voltage",
    "/Sense/Current",
    "/Sense/Temperature",
    "/Sense/Soc",
    "/Settings/DischargeFloor",
    "/NumberOfBmses",
    "/N2kDeviceInstance",
    "/ConnectionInformation",
    "/AirTemperature",
    "/BusVoltage",
    "/Redetect",
    "/NrOfDistributors",
    "/Voltages/Sum",
    "/Voltages/Diff",
    "/Info/ChargeMode",
};

/// Lower-case spelling -> canonical spelling, over known_battery_paths().
const std::unordered_map<std::string, std::string>& by_lower_case() {
  static const auto index = [] {
    std::unordered_map<std::string, std::string> m;
    for (auto& p : known_battery_paths())
      m.emplace(lower(p), p);
    return m;
  }();
  return index;
}

} // namespace

const std::vector<std::string>& known_battery_paths() {
  static const auto paths = [] {
    std::vector<std::string> out;
    std::set<std::string> seen;
    auto add = [&](const std::string& p) {
      if (seen.insert(p).second)
        out.push_back(p);
    };
    // Member page families (`/Battery/<n>/Serial`) name no single path.
    for (auto& row : path_table())
      if (std::string_view{row.path}.find('<') == std::string_view::npos)
        add(row.path);
    for (auto* p : standard_paths)
      add(p);
    return out;
  }();
  return paths;
}

bool is_object_path(const std::string& path) {
  if (path.size() < 2 || path.front() != '/' || path.back() == '/')
    return false;
  char prev = 0;
  for (char c : path) {
    bool ok = c == '/' ? prev != '/'
                       : (std::isalnum(static_cast<unsigned char>(c)) != 0
                          && static_cast<unsigned char>(c) < 0x80)
                             || c == '_';
    if (!ok)
      return false;
    prev = c;
  }
  return true;
}

std::string canonical_path(const std::string& path) {
  auto key = lower(path.empty() || path.front() != '/' ? "/" + path : path);
  auto i = by_lower_case().find(key);
  return i == by_lower_case().end() ? std::string{} : i->second;
}

std::string similar_known_path(const std::string& path) {
  // Short paths (`/Mode`, `/Soc`) are one typo away from too much.
  if (path.size() < 6)
    return {};
  return closest_match(path, known_battery_paths());
}

} // namespace ba
