#pragma once

// The one path vocabulary: every D-Bus item path the code names, as a named
// constant. The path table (messages/path_table.cpp) builds its rows from
// these, the rules and actors read and write values by them, and main/'s
// list of known battery paths derives from them. Outside messages/ and the
// tests no source file writes a path literal (unit.layering checks it), so a
// misspelt path is a compile error, not a value that silently never comes.

#include <string>
#include <vector>

namespace ba::paths {

// -- Identity and management (venus-dbus.md section 3) -----------------------

inline constexpr char mgmt_process_name[] = "/Mgmt/ProcessName";
inline constexpr char mgmt_process_version[] = "/Mgmt/ProcessVersion";
inline constexpr char mgmt_connection[] = "/Mgmt/Connection";
inline constexpr char device_instance[] = "/DeviceInstance";
inline constexpr char product_id[] = "/ProductId";
inline constexpr char product_name[] = "/ProductName";
inline constexpr char firmware_version[] = "/FirmwareVersion";
inline constexpr char hardware_version[] = "/HardwareVersion";
inline constexpr char serial[] = "/Serial";
inline constexpr char connected[] = "/Connected";
inline constexpr char custom_name[] = "/CustomName";
inline constexpr char log_level[] = "/LogLevel";
inline constexpr char redetect[] = "/Redetect";
inline constexpr char request_id[] = "/Battery/Request/Id";

// -- Measurements ------------------------------------------------------------

inline constexpr char dc_voltage[] = "/Dc/0/Voltage";
inline constexpr char dc_current[] = "/Dc/0/Current";
inline constexpr char dc_power[] = "/Dc/0/Power";
inline constexpr char dc_temperature[] = "/Dc/0/Temperature";
inline constexpr char mid_voltage[] = "/Dc/0/MidVoltage";
inline constexpr char starter_voltage[] = "/Dc/1/Voltage";
inline constexpr char soc[] = "/Soc";
inline constexpr char soh[] = "/Soh";
inline constexpr char installed_capacity[] = "/InstalledCapacity";
inline constexpr char capacity[] = "/Capacity";
inline constexpr char consumed_amphours[] = "/ConsumedAmphours";
inline constexpr char time_to_go[] = "/TimeToGo";
inline constexpr char state[] = "/State";
inline constexpr char error_code[] = "/ErrorCode";

// -- State, BMS parameters and limits ----------------------------------------

inline constexpr char balancing[] = "/Balancing";
inline constexpr char allow_to_balance[] = "/Io/AllowToBalance";
inline constexpr char allow_to_charge[] = "/Io/AllowToCharge";
inline constexpr char allow_to_discharge[] = "/Io/AllowToDischarge";
inline constexpr char battery_low_voltage[] = "/Info/BatteryLowVoltage";
inline constexpr char charge_request[] = "/Info/ChargeRequest";
inline constexpr char charge_mode[] = "/Info/ChargeMode";
inline constexpr char max_charge_current[] = "/Info/MaxChargeCurrent";
inline constexpr char max_discharge_current[] = "/Info/MaxDischargeCurrent";
inline constexpr char max_charge_voltage[] = "/Info/MaxChargeVoltage";
inline constexpr char charge_limitation[] = "/Info/ChargeLimitation";
inline constexpr char discharge_limitation[] = "/Info/DischargeLimitation";

// -- Cells and modules -------------------------------------------------------

inline constexpr char min_cell_voltage[] = "/System/MinCellVoltage";
inline constexpr char max_cell_voltage[] = "/System/MaxCellVoltage";
inline constexpr char min_voltage_cell_id[] = "/System/MinVoltageCellId";
inline constexpr char max_voltage_cell_id[] = "/System/MaxVoltageCellId";
inline constexpr char min_cell_temperature[] = "/System/MinCellTemperature";
inline constexpr char max_cell_temperature[] = "/System/MaxCellTemperature";
inline constexpr char min_temperature_cell_id[]
    = "/System/MinTemperatureCellId";
inline constexpr char max_temperature_cell_id[]
    = "/System/MaxTemperatureCellId";
inline constexpr char modules_online[] = "/System/NrOfModulesOnline";
inline constexpr char modules_offline[] = "/System/NrOfModulesOffline";
inline constexpr char modules_blocking_charge[]
    = "/System/NrOfModulesBlockingCharge";
inline constexpr char modules_blocking_discharge[]
    = "/System/NrOfModulesBlockingDischarge";
inline constexpr char cells_per_battery[] = "/System/NrOfCellsPerBattery";

// -- Alarms ------------------------------------------------------------------

inline constexpr char alarm_bms_cable[] = "/Alarms/BmsCable";
inline constexpr char alarm_parallel_bms_lost[] = "/Alarms/ParallelBmsLost";

// -- History -----------------------------------------------------------------

inline constexpr char charged_energy[] = "/History/ChargedEnergy";
inline constexpr char discharged_energy[] = "/History/DischargedEnergy";
inline constexpr char total_ah_drawn[] = "/History/TotalAhDrawn";
inline constexpr char minimum_voltage[] = "/History/MinimumVoltage";
inline constexpr char maximum_voltage[] = "/History/MaximumVoltage";
inline constexpr char minimum_cell_voltage[] = "/History/MinimumCellVoltage";
inline constexpr char maximum_cell_voltage[] = "/History/MaximumCellVoltage";
inline constexpr char minimum_temperature[] = "/History/MinimumTemperature";
inline constexpr char maximum_temperature[] = "/History/MaximumTemperature";
inline constexpr char charge_cycles[] = "/History/ChargeCycles";
inline constexpr char full_discharges[] = "/History/FullDischarges";

// -- Roster and diagnostics (the aggregate's own) ----------------------------

inline constexpr char nr_of_batteries[] = "/System/NrOfBatteries";
inline constexpr char batteries[] = "/System/Batteries";
inline constexpr char nr_of_batteries_known[] = "/System/NrOfBatteriesKnown";
inline constexpr char missing_batteries[] = "/System/MissingBatteries";
inline constexpr char batteries_parallel[] = "/System/BatteriesParallel";
inline constexpr char batteries_series[] = "/System/BatteriesSeries";
inline constexpr char internal_resistances[] = "/System/InternalResistances";
inline constexpr char emfs[] = "/System/EMFs";
inline constexpr char limit_explanation[] = "/System/LimitExplanation";

// -- Families: prefixes and the pieces of generated paths --------------------

/// Every alarm of a battery service.
inline constexpr char alarms_prefix[] = "/Alarms/";
/// The BMS's switches (/Io/AllowToCharge ...).
inline constexpr char io_prefix[] = "/Io/";
/// The management paths every service carries for itself.
inline constexpr char mgmt_prefix[] = "/Mgmt/";
/// A source's cells: `/Voltages/Cell<c>`, `/Temperatures/Cell<c>`.
inline constexpr char cell_voltage_prefix[] = "/Voltages/Cell";
inline constexpr char cell_temperature_prefix[] = "/Temperatures/Cell";
/// The member pages: `/Battery/<n>/<leaf>`, `/Battery/<n>/Cell/<c>/Voltage`
/// (the table's `/Battery/<n>/...` family rows).
inline constexpr char page_prefix[] = "/Battery/";
inline constexpr char page_serial[] = "Serial";
inline constexpr char page_capacity[] = "Capacity";
inline constexpr char page_fw_version[] = "FwVersion";
inline constexpr char page_status[] = "Status";
inline constexpr char page_voltage[] = "Voltage";
inline constexpr char page_current[] = "Current";
inline constexpr char page_temperature[] = "Temperature";
inline constexpr char page_cell[] = "Cell/";
inline constexpr char page_cell_voltage[] = "/Voltage";
inline constexpr char page_cell_temperature[] = "/Temperature";

// -- Other services ----------------------------------------------------------

/// com.victronenergy.system: whether DVCC is on.
inline constexpr char system_dvcc[] = "/Control/Dvcc";
/// com.victronenergy.settings: the DVCC caps the user set.
inline constexpr char setting_max_charge_current[]
    = "/Settings/SystemSetup/MaxChargeCurrent";
inline constexpr char setting_max_charge_voltage[]
    = "/Settings/SystemSetup/MaxChargeVoltage";

/// com.victronenergy.settings: where a device's class and VRM instance live
/// (`/Settings/Devices/<key>/ClassAndVrmInstance`).
std::string class_and_vrm_instance_setting(const std::string& device_key);

/// com.victronenergy.settings: where a battery's custom name is persisted
/// (`/Settings/Battery/<suffix>/CustomName`).
std::string custom_name_setting(const std::string& suffix);

/// The standard battery paths of venus-dbus.md sections 3 and 4 (plus the
/// /History paths product.md 2.1 aggregates) that the path table does not
/// publish: what a battery service may carry by name. Families without a
/// fixed set of names (`/Voltages/Cell<N>`, `/Distributor/*`) are not
/// listed.
const std::vector<const char*>& standard_battery_paths();

} // namespace ba::paths
