#pragma once

// The remaining pure rules of a parallel bank (product.md section 2.1): flags,
// charge mode, cell extremes with their ids, module counts, cells per
// battery, alarms and history. Same contract as parallel_rules.hpp: a member
// value that is invalid, text (where a number is expected), NaN or infinite
// is skipped; a path whose inputs are all skipped is invalid, never 0.
//
// Wire kinds of the results: counts, flags and alarms come back as integers,
// physical quantities as reals, ids and the charge mode as text, so that a
// path missing from the path table still goes out with the type section 7
// asks for.

#include <string>
#include <vector>

#include "actors/rules/parallel_rules.hpp"
#include "messages/value.hpp"

namespace ba {

/// One member with the name it is known by on the bus. The cell-id rules and
/// warnings need the name; everything else only needs `values`. The
/// pointers stay owned by the caller; `index`, when not null, must describe
/// `values` (member_index.hpp).
struct member_view {
  std::string service;
  const value_map* values;
  const member_index* index = nullptr;
};

/// The pointer list the plain rules take, in the same order.
member_list to_member_list(const std::vector<member_view>& ms);

/// How a member is named inside cell ids: its /CustomName when that is a
/// text with something else than blanks, else the last dotted part of its
/// service name (`ttyUSB0` for `com.victronenergy.battery.ttyUSB0`).
std::string member_label(const std::string& service, const value_map& values);

/// The text at `path` of a member when it has something else than blanks
/// there (a name, a serial), else nullptr.
const std::string* shown_text(const value_map& values, std::string_view path);

// -- generic reductions -------------------------------------------------------
//
// Each takes a path_key: a hot caller builds it once (a path's row is a
// hash look-up), a test may pass the plain path.

/// OR of a 0/1 flag: integer 1 if any valid member value is not 0, 0 if all
/// valid ones are 0, invalid if none is valid.
value flag_or(const member_list& ms, const path_key& key);

/// Smallest / largest valid member value (real).
value min_over(const member_list& ms, const path_key& key);
value max_over(const member_list& ms, const path_key& key);

/// Sum of valid member values as an integer (counts such as modules online).
value count_sum(const member_list& ms, const path_key& key);

// -- rows of section 2.1 ------------------------------------------------------

/// /Info/ChargeMode: the Python add-on's string rule over the members that
/// publish a non-empty text mode (others do not count; none -> invalid).
/// Lower-cased: all contain "float" -> "Float", some -> "Float Transition";
/// else all/some "absorption" -> "Absorption" / "Absorption Transition";
/// else all/some "bulk" -> "Bulk" / "Bulk Transition"; else "Charging".
value charge_mode(const member_list& ms);

/// /System/Min|MaxCellVoltage, /System/Min|MaxCellTemperature and the four
/// ids /System/MinVoltageCellId, /System/MaxVoltageCellId,
/// /System/MinTemperatureCellId, /System/MaxTemperatureCellId. An id is
/// `"<label> <member's id>"` of the member holding the extreme (the first one
/// in list order on a tie), just `"<label>"` when that member publishes no id
/// text, invalid when the extreme is invalid. Always returns all eight paths.
value_map cell_extremes(const std::vector<member_view>& ms);

/// /System/NrOfCellsPerBattery: the value all members with a valid one
/// agree on (integer). When they disagree: invalid, and `*warning` (if not
/// null) receives a text naming every member's value; otherwise `*warning`
/// is cleared. The caller logs it (preferably only when it changes: this
/// runs on every update).
value cells_per_battery(const std::vector<member_view>& ms,
                        std::string* warning);

/// Every standard alarm of venus-dbus.md 4.3, in that order.
const std::vector<std::string>& standard_alarms();

/// Max (0 ok, 1 warning, 2 alarm) per standard alarm, as integers. Only the
/// alarms that at least one member has in its map (valid or not) are in the
/// result: a bank none of whose members knows an alarm must not show a
/// GUI row for it. Invalid when all members that have it publish invalid.
/// /Alarms/BmsCable and /Alarms/ParallelBmsLost are the plain max here; the
/// roster part is the caller's. Plus /ErrorCode: the first nonzero code in
/// list order, else 0 (gx-native.md section 2).
value_map aggregate_alarms(const member_list& ms);

/// The /History paths: ChargedEnergy, DischargedEnergy, TotalAhDrawn (sum);
/// MinimumVoltage, MinimumCellVoltage, MinimumTemperature (min);
/// MaximumVoltage, MaximumCellVoltage, MaximumTemperature (max);
/// ChargeCycles, FullDischarges (capacity-weighted mean). Always all eleven.
value_map aggregate_history(const member_list& ms);

/// All of the above keyed by path: the flags (/Balancing, /Io/AllowTo*),
/// /Info/ChargeRequest, /Info/BatteryLowVoltage, /Info/ChargeMode, the
/// /System cell and module paths, /System/NrOfCellsPerBattery, the alarms
/// present, and the history. Appends human-readable warnings (members
/// disagreeing on cells per battery) to `*warnings` when it is not null.
value_map aggregate_bank_extras(const std::vector<member_view>& ms,
                                std::vector<std::string>* warnings);

/// The parts of aggregate_bank_extras: the bank recomputes each one only
/// when a member path it reads changed (bank_engine.hpp).
enum class extras_part : uint8_t {
  flags,
  charge_mode,
  cells,
  modules,
  cells_per_battery,
  alarms,
  history,
};
constexpr size_t extras_parts = 7;

/// One part of aggregate_bank_extras into `out`; `list` is
/// to_member_list(ms). For `cells_per_battery`, `*warning` (when not null)
/// receives the warning text or is cleared. An alarm that was in `out` and
/// that no member has any more becomes invalid.
void aggregate_extras_part(extras_part part, const std::vector<member_view>& ms,
                           const member_list& list, value_writer& out,
                           std::string* warning);

/// Every member path part `part` reads.
const std::vector<std::string>& extras_inputs(extras_part part);

} // namespace ba
