#pragma once

// Pure rules of a virtual battery (product.md section 3): the `merge` kind
// (the Python add-on's overlay), the `series` kind, and the hooks
// (`hooks.FixedValueHook`, `hooks.CustomChargingHook`,
// `hooks.TemperatureChargingHook`). The `parallel` kind is the main bank's
// rules (parallel_rules.hpp, bank_rules.hpp) followed by `apply_hooks`.
//
// Same contract as the bank rules: a member value that is invalid, NaN or
// infinite is skipped; a path whose inputs are all skipped is invalid,
// never 0. No actors, no bus.

#include <utility>
#include <vector>

#include <caf/optional.hpp>

#include "actors/rules/bank_rules.hpp"
#include "messages/config.hpp"
#include "messages/value.hpp"

namespace ba {

/// One entry of a virtual battery's member list, in config order.
struct vb_input {
  /// Its config entry (name and the paths it is used for). For a hook the
  /// name is `class:hooks...`. Entries with a null `ref` are ignored.
  const source_ref* ref;
  /// The source's latest values; nullptr while the source does not count
  /// (off the bus, or stale/lost beyond its grace time).
  const value_map* values;
  /// Non-null for a hook entry; then `values` is nullptr and ignored.
  const hook_spec* hook;
};

/// The amps of the entry with the largest threshold <= `x` in `table`
/// (sorted ascending by threshold, as the config loader leaves it). Nothing
/// when `x` is below every threshold, the table is empty, or `x` or the
/// found amps are not finite.
caf::optional<double>
table_lookup(const std::vector<std::pair<double, double>>& table, double x);

/// The `merge` kind: for every path, the first usable value in config order
/// among the inputs that provide it. A source provides the paths it lists,
/// or (`all_paths`) every path it has. Identity paths
/// (`is_identity_path`) are never taken from a source or a hook: they
/// describe the virtual battery's own service. "Usable" is the rule of
/// role_merge: valid, finite, and of the path table's kind for known paths.
///
/// Hooks take effect at their position in the list:
/// - FixedValueHook provides its `path` = `fixed`, and an invalid `fixed`
///   counts as provided: it forces the path invalid.
/// - CustomChargingHook provides /Info/MaxChargeCurrent and
///   /Info/MaxDischargeCurrent from `ccls` / `dcls`, looked up by the
///   /Dc/0/Voltage merged from the non-hook inputs; no value (voltage
///   invalid, below every threshold, empty table) leaves the path to the
///   inputs after it.
/// - TemperatureChargingHook: the same by the merged /Dc/0/Temperature.
///
/// The result holds every path some input provides or lists (listed paths
/// of an absent source as invalid, so that they do not freeze at their last
/// value).
value_map merge_kind(const std::vector<vb_input>& in);

/// The `series` kind over `members`: every configured member of the string
/// in config order (no hooks). A member whose `values` is nullptr does not
/// count (lost or stale beyond its grace time).
///
/// Sums (/Dc/0/Voltage, /Dc/0/Power, /Info/MaxChargeVoltage,
/// /Info/BatteryLowVoltage) are invalid when any member lacks the value: a
/// partial sum of series voltages would be a lie. Current = mean; SoC, SoH,
/// /Capacity, /InstalledCapacity, CCL, DCL, /TimeToGo = min;
/// /ConsumedAmphours = the most discharged member (min, Victron sign);
/// /Dc/0/Temperature and alarms = max; cell extremes with their ids;
/// /Io/AllowTo* = AND; /Balancing, /Info/ChargeRequest = OR;
/// /System/BatteriesSeries = members.size(), /System/BatteriesParallel = 1,
/// /System/NrOfBatteries = members that count.
///
/// `complete == false` (or any member not counting) makes the whole string
/// stale: measurements invalid, CCL = DCL = 0 (real), CVL invalid,
/// /Io/AllowToCharge = /Io/AllowToDischarge = 0, /Alarms/BmsCable = 2 (the
/// stale marker of product.md 1.1); the other alarms of the members that
/// still count are kept.
value_map series_kind(const std::vector<member_view>& members, bool complete);

/// Hooks of a `parallel` or `series` virtual battery: they override the
/// computed `out`, the first hook in config order winning over later ones.
/// FixedValueHook sets its path (invalid included); a charging hook sets
/// CCL/DCL from its table by `out`'s /Dc/0/Voltage or /Dc/0/Temperature (as
/// computed, before any hook), where the lookup gives a value. Non-hook
/// inputs are ignored. Do not call it for a stale series string: nothing is
/// known to be safe then, and a hook must not re-open its zero limits.
void apply_hooks(const std::vector<vb_input>& in, value_map& out);

} // namespace ba
