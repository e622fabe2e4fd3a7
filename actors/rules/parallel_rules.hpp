#pragma once

// Pure rules of a parallel bank (product.md section 2.1). No actors, no bus:
// every function takes the members' latest values and returns the value to
// publish. A member value that is invalid, text, NaN or infinite is skipped;
// a path whose inputs are all skipped is invalid, never 0.

#include <string>
#include <vector>

#include <caf/optional.hpp>

#include "actors/rules/member_index.hpp"
#include "messages/config.hpp"
#include "messages/value.hpp"

namespace ba {

struct parallel_options {
  soc_method soc = soc_method::weighted;
  /// Config `capacity` (Ah): overrides /InstalledCapacity when set.
  caf::optional<double> capacity;
};

/// One member's latest values, path -> value. Pointers stay owned by the
/// caller (the aggregator's state); the rules only read them.
using member_list = std::vector<member_ref>;

/// Sum and plain mean of the members' valid values at `key` (real;
/// invalid when none is valid): the generic reductions every bank kind
/// uses.
value sum_over(const member_list& ms, const path_key& key);
value mean_over(const member_list& ms, const path_key& key);
/// `sum(x * C) / sum(C)` with C = /InstalledCapacity over the members that
/// publish `key`; the plain mean when any of them lacks a usable capacity
/// (the /Soc and /Soh rule, also the bank's /History counters'); invalid
/// when none publishes it.
value capacity_weighted_mean(const member_list& ms, const path_key& key);

value mean_voltage(const member_list& ms);
value sum_current(const member_list& ms);
/// Sum of /Dc/0/Power; a member with V and I but no power contributes V*I.
value sum_power(const member_list& ms);
value max_temperature(const member_list& ms);
/// /Soc by socMethod: weighted = sum(SoC*C)/sum(C) over members with a SoC,
/// C = /InstalledCapacity; plain mean when any of them lacks C; mean; min.
value soc(const member_list& ms, soc_method m);
/// /Soh: capacity-weighted mean with the same fallback.
value soh(const member_list& ms);
/// /InstalledCapacity: sum of members; config capacity overrides.
value installed_capacity(const member_list& ms,
                         const caf::optional<double>& capacity);
/// /Capacity (remaining Ah): sum of members' /Capacity; a member without it
/// contributes SoC/100 x its installed capacity; with config capacity and no
/// member data at all, bank SoC/100 x capacity.
value remaining_capacity(const member_list& ms,
                         const caf::optional<double>& capacity,
                         const value& bank_soc);
/// /ConsumedAmphours: sum in Victron's sign (<= 0); a member publishing a
/// positive value is taken as "consumed" and negated.
value consumed_amphours(const member_list& ms);
/// /TimeToGo in s: while the bank discharges (current < -0.1 A),
/// remaining Ah / discharge current x 3600, capped at 864000; invalid while
/// not discharging; the plain mean of members' values only when no capacity
/// information exists (remaining invalid).
value time_to_go(const member_list& ms, const value& bank_current,
                 const value& bank_remaining);

/// All of the above, keyed by path. The first slice of the main bank.
value_map aggregate_parallel(const member_list& ms,
                             const parallel_options& opts);

/// The same, written into `out` (the bank keeps its outputs between
/// updates, see bank_engine.hpp).
void aggregate_parallel_into(const member_list& ms,
                             const parallel_options& opts, value_writer& out);

/// Every member path the rules above read: a member update that changes
/// none of them leaves their results as they are.
const std::vector<std::string>& parallel_inputs();

} // namespace ba
