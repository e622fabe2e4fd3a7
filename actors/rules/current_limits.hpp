#pragma once

// Pure rules of the bank's charge and discharge current limits (product.md
// section 2.3): CCL `/Info/MaxChargeCurrent` gated by `/Io/AllowToCharge`,
// DCL `/Info/MaxDischargeCurrent` gated by `/Io/AllowToDischarge`. No actors,
// no bus, no clock: the aggregator owns every piece of state (who counts, the
// IR estimates, the correction factors k_b, whether a limit was ever
// published) and hands it in; these functions only do the arithmetic, so the
// table-driven tests reach every step.
//
// Numbers read from members go through value::num(): invalid, text, NaN and
// infinities are "no value". A published limit is never negative, never NaN,
// and always rounded down to 0.1 A.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/optional.hpp>

#include "actors/rules/member_index.hpp"
#include "messages/config.hpp"
#include "messages/value.hpp"

namespace ba {

enum class limit_kind : uint8_t { charge, discharge };

/// The member's own limit path for `k`: `/Info/MaxChargeCurrent` or
/// `/Info/MaxDischargeCurrent`.
const char* limit_path(limit_kind k);

/// The gate path for `k`: `/Io/AllowToCharge` or `/Io/AllowToDischarge`.
const char* gate_path(limit_kind k);

/// One member as the limit rule sees it. The caller passes only members
/// that count (online, or stale/lost but still inside their grace time,
/// product.md 1.1), in roster order; the output keeps that order.
struct limit_member {
  std::string service;
  /// The member's latest values; owned by the caller. nullptr = no data.
  const value_map* values = nullptr;
  /// Its index (member_index.hpp), or nullptr: then `values` is read.
  const member_index* index = nullptr;
  /// The member's accepted internal-resistance estimate in ohm (section
  /// 2.6), or none while it has none. Only the `ir` method reads it.
  caf::optional<double> resistance;
  /// The over-current correction factor k_b for this kind (step 5), in
  /// [0.5, 1]. Anything outside is clamped; non-finite counts as 1.
  double correction = 1.0;
};

/// Why a member does or does not shape the limit: one row of the
/// "explanation of the limits" diagnostics (product.md 2.5).
struct member_limit_info {
  std::string service;
  /// In the contributing set (step 1).
  bool contributes = false;
  /// This member's estimate is the minimum, i.e. it sets the bank limit.
  bool limiting = false;
  /// The member's own limit CL_b as read (invalid when it has none).
  value own_limit;
  /// Share ratio r_b = bank current / member current; 0 if not contributing.
  double ratio = 0;
  /// k_b as applied (after clamping); 1 if not contributing.
  double correction = 1.0;
  /// CL_b x r_b x k_b, unrounded; 0 if not contributing. Never NaN; +Inf
  /// only for absurd own limits near DBL_MAX (the bank limit is then
  /// invalid, see step 3).
  double estimate = 0;
  /// Empty when contributing; otherwise `AllowToCharge 0`,
  /// `AllowToDischarge 0`, `limit invalid`, `limit negative`, `no values`.
  std::string reason;
};

struct limit_result {
  /// The bank limit (steps 1-3 plus the "when nothing contributes" table),
  /// rounded down to 0.1 A; or invalid.
  value limit;
  /// The ratio method actually applied to the whole contributing set after
  /// the `ir -> capacity -> count` fallback; `wanted` when nothing
  /// contributes.
  ratio_method method_used = ratio_method::capacity;
  /// One row per input member, in input order.
  std::vector<member_limit_info> members;
};

/// Steps 1-3 of product.md 2.3 plus its "when nothing contributes" table.
///
/// 1. Contributing set: members whose gate is not 0 (a missing, invalid or
///    text gate does not block) and whose own limit is a finite number >= 0.
///    A negative own limit is not a limit (no BMS means "-1 A"): it counts
///    like an invalid one, so it neither blocks the bank nor counts toward N.
/// 2. One ratio method for the whole set, falling back `ir -> capacity ->
///    count` as soon as one contributing member lacks what the method needs
///    (ir: resistance finite and > 0; capacity: /InstalledCapacity finite and
///    > 0) or the ratios would not be finite. So sum(1/r_b) = 1 always.
/// 3. Limit = min over the set of CL_b x r_b x k_b, rounded down to 0.1 A.
///    Should that overflow to infinity (absurd member limits near DBL_MAX),
///    the result is invalid rather than a number nobody can publish.
///
/// Empty contributing set (the two flags are consulted only then; the
/// caller derives them from the roster and from primaries, section 2.2):
/// - `all_members_lost` (every roster member stale or lost beyond grace):
///   0 when a limit was ever published, else invalid;
/// - otherwise 0 when a limit was ever published (`any_limit_ever_published`,
///   or some member in `ms` publishes a valid limit right now: all gated or
///   all limits invalid), else invalid (a bank of shunts is not a BMS).
limit_result compute_current_limit(const std::vector<limit_member>& ms,
                                   limit_kind kind, ratio_method wanted,
                                   bool any_limit_ever_published,
                                   bool all_members_lost);

/// The same into `res`, whose rows are overwritten in place (the bank
/// computes its limits on most updates; this allocates nothing once the
/// rows exist).
void compute_current_limit(const std::vector<limit_member>& ms, limit_kind kind,
                           ratio_method wanted, bool any_limit_ever_published,
                           bool all_members_lost, limit_result& res);

/// Step 4 (`cclMode`, CCL only). `dvcc_max_charge_current` is the setting
/// `/Settings/SystemSetup/MaxChargeCurrent`: -1 (or any negative or
/// non-finite number) means none; it only applies while `dvcc_on`.
/// - `battery`: the battery limit as it is;
/// - `battery+dvcc`: min(battery, user limit) when the user limit applies;
/// - `dvcc`: the user limit when it applies, else the battery limit (never
///   -1).
/// In every mode an invalid battery limit stays invalid (the aggregate is not
/// a BMS) and a battery limit of 0 stays 0 (charging is blocked: all members
/// gated, or all lost; a user limit must not re-enable charging). The result
/// is rounded down to 0.1 A like the battery limit.
value apply_ccl_mode(const value& battery_ccl, ccl_mode mode, bool dvcc_on,
                     double dvcc_max_charge_current);

// -- step 5: over-current correction -----------------------------------------
//
// k_b is state the caller keeps per member and per kind, starting at 1:
// - on each measurement period, `correction_after_measurement` with the
//   member's current in the direction of the limit (`current_towards`);
//   each call compounds, so call it once per period (e.g. on the 10 s tick),
//   not on every value signal;
// - every 10 s while the member is at or under its own limit,
//   `correction_after_recovery_tick`;
// - reset every k_b of a kind to 1 when `same_contributing_set` of the
//   previous and the new result of that kind is false (the caller does this:
//   the pure rule cannot see the previous result).

/// Smallest correction factor: a member never claims less than half its
/// share, so one bad current reading cannot starve the bank.
constexpr double min_correction = 0.5;

/// Fraction of the gap to 1 that k_b recovers per tick.
constexpr double correction_recovery = 0.05;

/// A recovering k_b this close to 1 becomes exactly 1 (about 20 minutes
/// from the 0.5 floor), so that the limit really returns to full size.
constexpr double correction_snap = 1e-3;

/// Seconds between recovery ticks.
constexpr double correction_tick_seconds = 10;

/// The member's current in the direction `kind` limits: charge -> I (Venus
/// current is positive while charging), discharge -> -I; the other direction
/// gives 0, so discharging never shrinks the CCL's factor and vice versa.
/// Non-finite -> 0.
double current_towards(limit_kind kind, double current);

/// |current| > limit -> k x limit / |current|, floored at 0.5; otherwise k
/// unchanged. k is clamped into [0.5, 1] first; non-finite inputs leave k as
/// it was (clamped), a negative limit is not a limit.
double correction_after_measurement(double k, double limit, double current);

/// k + 0.05 x (1 - k), clamped into [0.5, 1] (non-finite -> 1); within
/// `correction_snap` of 1 it becomes 1.
double correction_after_recovery_tick(double k);

/// Sorted service names of the contributing members of `r`.
std::vector<std::string> contributing_set(const limit_result& r);

/// Whether two results of the same kind have the same contributing set.
bool same_contributing_set(const limit_result& before,
                           const limit_result& after);

} // namespace ba
