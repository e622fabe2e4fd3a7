#pragma once

// Per-member internal-resistance estimate (product.md section 2.6), used by
// `currentRatioMethod: "ir"` and by the diagnostics paths
// `/System/InternalResistances` and `/System/EMFs` (section 2.5). A plain
// value class: the aggregator keeps one per member and feeds it the
// member's (V, I) values; no clock, no actor.
//
// Model: V = EMF + R x I. Venus current is positive while charging, and a
// charging current raises the terminal voltage above the EMF, so R > 0.

#include <cstddef>
#include <utility>
#include <vector>

#include <caf/optional.hpp>

#include "messages/config.hpp"

namespace ba {

class ir_estimator {
 public:
  /// Pairs kept for the fit.
  static constexpr size_t max_pairs = 10;
  /// Fewer pairs leave no degree of freedom for the slope's standard error.
  static constexpr size_t min_pairs = 3;

  /// Options out of range (negative or non-finite) fall back to the
  /// defaults of `ir_options`.
  explicit ir_estimator(ir_options opts = {});

  /// Records (V, I) when V differs by at least `min_voltage_change` from the
  /// last recorded pair (the first pair is always recorded); keeps the last
  /// `max_pairs`. Non-finite inputs are ignored.
  void add(double voltage, double current);

  /// The least-squares slope R of V against I, when R > 0 and its relative
  /// standard error SE(R) / R <= `max_percentage_error` (a fraction: the
  /// default 0.1 means 10 %); none with fewer than 3 pairs, with currents
  /// that (numerically) do not vary, or when the fit is rejected. Never NaN.
  caf::optional<double> resistance() const;

  /// The fit's intercept (the EMF at I = 0), only while `resistance()` is
  /// accepted.
  caf::optional<double> emf() const;

  size_t size() const {
    return pairs_.size();
  }

  /// Forgets every pair (a member that comes back is re-read completely).
  void clear() {
    pairs_.clear();
  }

 private:
  /// Fits and judges the fit; false (r, emf untouched) when rejected. A
  /// plain flag rather than caf::optional: g++ 12 at -O2 reports a false
  /// maybe-uninitialized on an optional's payload.
  bool accepted_fit(double& r, double& emf) const;

  ir_options opts_;
  /// (V, I), oldest first.
  /// Oldest first. A vector with room for one more than kept, shifted on
  /// overflow: a deque allocated a new block every 32 pairs, and the
  /// estimates are fed on every update (issue 13: no allocation per update).
  std::vector<std::pair<double, double>> pairs_;
};

/// EMF = V - I x R (product.md 2.5, "fix: sign"): a charging current (I > 0)
/// lifts V above the EMF. The caller passes finite numbers (value::num()
/// results); non-finite inputs give a non-finite result.
double emf_of(double v, double i, double r);

} // namespace ba
