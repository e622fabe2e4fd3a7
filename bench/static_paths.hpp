#pragma once

// The paths every benchmark battery has and that never change, with values
// as a real BMS (e.g. dbus-serialbattery) publishes them: shared by the load
// generator (ba-load, on the bus) and ba-compute (the bank computation
// alone), so that both measure the same members.

#include <string>
#include <vector>

namespace bench {

struct static_path {
  std::string path;
  char type; ///< 'd', 'i' or 's', as on the wire
  double number;
  std::string text;
};

inline std::vector<static_path> static_paths(int index, double installed_ah,
                                             const std::string& process) {
  auto d = [](const char* p, double x) { return static_path{p, 'd', x, {}}; };
  auto i = [](const char* p, double x) { return static_path{p, 'i', x, {}}; };
  auto s = [](const char* p, std::string x) {
    return static_path{p, 's', 0, std::move(x)};
  };
  auto n = std::to_string(index);
  return {
      s("/Mgmt/ProcessName", process),
      s("/Mgmt/ProcessVersion", "1.0"),
      s("/Mgmt/Connection", "Bench " + n),
      i("/DeviceInstance", 100 + index),
      i("/ProductId", 0xBA77),
      s("/ProductName", "Bench battery"),
      s("/FirmwareVersion", "1.0.0"),
      s("/HardwareVersion", "1.0"),
      s("/Serial", "LOAD-" + n),
      s("/CustomName", ""),
      i("/Connected", 1),
      d("/InstalledCapacity", installed_ah),
      d("/Soh", 100),
      d("/Info/BatteryLowVoltage", 46),
      i("/Io/AllowToCharge", 1),
      i("/Io/AllowToDischarge", 1),
      i("/Io/AllowToBalance", 1),
      i("/Balancing", 0),
      i("/System/NrOfCellsPerBattery", 16),
      i("/System/NrOfModulesOnline", 1),
      i("/System/NrOfModulesOffline", 0),
      i("/System/NrOfModulesBlockingCharge", 0),
      i("/System/NrOfModulesBlockingDischarge", 0),
      s("/System/MinTemperatureCellId", "T1"),
      s("/System/MaxTemperatureCellId", "T2"),
      i("/Alarms/LowVoltage", 0),
      i("/Alarms/HighVoltage", 0),
      i("/Alarms/LowSoc", 0),
      i("/Alarms/HighChargeCurrent", 0),
      i("/Alarms/HighDischargeCurrent", 0),
      i("/Alarms/HighTemperature", 0),
      i("/Alarms/LowTemperature", 0),
      i("/Alarms/CellImbalance", 0),
      i("/Alarms/InternalFailure", 0),
  };
}

} // namespace bench
