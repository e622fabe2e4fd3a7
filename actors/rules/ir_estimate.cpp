#include "actors/rules/ir_estimate.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace ba {

namespace {

// Slack on the voltage-change threshold: 52.02 - 52.00 is 0.0199999... in
// binary, and a 0.02 V step must count as a 0.02 V step.
constexpr double voltage_slack = 1e-9;

// Currents whose spread is below this (relative to their size) do not vary:
// the slope would be noise divided by rounding error.
constexpr double current_spread = 1e-9;

double usable_or(double x, double fallback) {
  return std::isfinite(x) && x >= 0 ? x : fallback;
}

} // namespace

ir_estimator::ir_estimator(ir_options opts) {
  ir_options defaults;
  opts_.max_percentage_error
      = usable_or(opts.max_percentage_error, defaults.max_percentage_error);
  opts_.min_voltage_change
      = usable_or(opts.min_voltage_change, defaults.min_voltage_change);
  pairs_.reserve(max_pairs + 1);
}

void ir_estimator::add(double voltage, double current) {
  if (!std::isfinite(voltage) || !std::isfinite(current))
    return;
  // Pairs at (almost) the same voltage add no information about the slope
  // but would push informative pairs out of the window.
  if (!pairs_.empty()
      && std::abs(voltage - pairs_.back().first)
             < opts_.min_voltage_change - voltage_slack)
    return;
  pairs_.emplace_back(voltage, current);
  if (pairs_.size() > max_pairs)
    pairs_.erase(pairs_.begin(),
                 pairs_.begin()
                     + static_cast<std::ptrdiff_t>(pairs_.size() - max_pairs));
}

bool ir_estimator::accepted_fit(double& r_out, double& emf_out) const {
  auto n = pairs_.size();
  if (n < min_pairs)
    return false;
  auto nd = static_cast<double>(n);
  double mean_v = 0;
  double mean_i = 0;
  double lo_i = pairs_.front().second;
  double hi_i = lo_i;
  double max_abs_i = 0;
  for (auto& p : pairs_) {
    mean_v += p.first;
    mean_i += p.second;
    lo_i = std::min(lo_i, p.second);
    hi_i = std::max(hi_i, p.second);
    max_abs_i = std::max(max_abs_i, std::abs(p.second));
  }
  mean_v /= nd;
  mean_i /= nd;
  if (hi_i - lo_i <= current_spread * std::max(1.0, max_abs_i))
    return false;
  // Centred sums: numerically stable at 50 V and 100 A.
  double sxx = 0;
  double sxy = 0;
  for (auto& p : pairs_) {
    auto di = p.second - mean_i;
    sxx += di * di;
    sxy += di * (p.first - mean_v);
  }
  if (!(sxx > 0))
    return false;
  auto r = sxy / sxx;
  auto emf = mean_v - r * mean_i;
  if (!std::isfinite(r) || !std::isfinite(emf) || !(r > 0))
    return false;
  double sse = 0;
  for (auto& p : pairs_) {
    auto e = p.first - (emf + r * p.second);
    sse += e * e;
  }
  // Standard error of the slope with n - 2 degrees of freedom.
  auto se = std::sqrt(sse / (nd - 2) / sxx);
  auto rel = se / r;
  // Written so that a NaN rejects the fit.
  if (!(rel <= opts_.max_percentage_error))
    return false;
  r_out = r;
  emf_out = emf;
  return true;
}

caf::optional<double> ir_estimator::resistance() const {
  double r = 0;
  double emf = 0;
  if (!accepted_fit(r, emf))
    return caf::none;
  return r;
}

caf::optional<double> ir_estimator::emf() const {
  double r = 0;
  double emf = 0;
  if (!accepted_fit(r, emf))
    return caf::none;
  return emf;
}

double emf_of(double v, double i, double r) {
  return v - i * r;
}

} // namespace ba
