#define CAF_SUITE ir_estimate
#include <caf/test/unit_test.hpp>

#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "actors/rules/ir_estimate.hpp"

// Tests of the internal-resistance estimate (product.md section 2.6). The
// optionals are turned into plain (has, number) pairs before any check:
// CAF_CHECK_EQUAL on caf::optional temporaries misbehaves under g++ 12 -O2.

using namespace ba;

namespace {

using pair_list = std::vector<std::pair<double, double>>; // (V, I)

/// An estimate as a plain value: `has` false means none.
struct estimate {
  std::string label;
  bool has;
  double x;
};

bool operator==(const estimate& a, const estimate& b) {
  if (a.has != b.has)
    return false;
  if (!a.has)
    return true;
  if (!std::isfinite(a.x) || !std::isfinite(b.x))
    return false;
  return std::abs(a.x - b.x) <= 1e-9 * std::max(1.0, std::abs(b.x));
}

std::string to_string(const estimate& e) {
  std::ostringstream os;
  os << e.label << ": ";
  if (e.has)
    os << std::setprecision(15) << e.x;
  else
    os << "none";
  return os.str();
}

estimate plain(const std::string& label, const caf::optional<double>& x) {
  if (x)
    return {label, true, *x};
  return {label, false, 0};
}

#define CHECK_EST(label, got, has, want)                                       \
  CAF_CHECK_EQUAL(plain(label, got), (estimate{label, has, want}))

ir_estimator fed(const pair_list& ps, ir_options opts = {}) {
  ir_estimator e{opts};
  for (auto& p : ps)
    e.add(p.first, p.second);
  return e;
}

/// V = 52 + 0.01 I at the given currents.
pair_list line(const std::vector<double>& currents, double emf = 52.0,
               double r = 0.01) {
  pair_list out;
  for (auto i : currents)
    out.emplace_back(emf + r * i, i);
  return out;
}

const double nan_d = std::numeric_limits<double>::quiet_NaN();
const double inf_d = std::numeric_limits<double>::infinity();

} // namespace

CAF_TEST(exact synthetic data gives R and EMF) {
  // Currents -50..60 A: voltages 51.5..52.6 V, every step >= 0.02 V.
  auto e = fed(line({-50, -20, 0, 10, 30, 60}));
  CAF_CHECK_EQUAL(e.size(), 6u);
  CHECK_EST("R of V = 52 + 0.01 I", e.resistance(), true, 0.01);
  CHECK_EST("EMF of V = 52 + 0.01 I", e.emf(), true, 52.0);
  // Three pairs are enough.
  auto three = fed(line({-100, 0, 100}, 26.0, 0.02));
  CHECK_EST("three pairs: R", three.resistance(), true, 0.02);
  CHECK_EST("three pairs: EMF", three.emf(), true, 26.0);
}

CAF_TEST(noisy data is judged by the relative standard error) {
  // Fit: R = 0.0098, EMF = 52.003, SE(R)/R = 4.33 %.
  pair_list noisy{{52.0, 0}, {52.11, 10}, {52.19, 20}, {52.3, 30}};
  auto loose = fed(noisy);
  CHECK_EST("default 0.1 accepts 4.3 %", loose.resistance(), true, 0.0098);
  CHECK_EST("EMF of the accepted fit", loose.emf(), true, 52.003);
  ir_options strict;
  strict.max_percentage_error = 0.04;
  auto tight = fed(noisy, strict);
  CHECK_EST("0.04 rejects 4.3 %", tight.resistance(), false, 0);
  CHECK_EST("no EMF without an accepted R", tight.emf(), false, 0);
  ir_options just;
  just.max_percentage_error = 0.044;
  CHECK_EST("0.044 accepts 4.3 %", fed(noisy, just).resistance(), true, 0.0098);
}

CAF_TEST(pairs are recorded only on a voltage change) {
  ir_estimator e;
  e.add(52.00, 0);
  e.add(52.01, 5); // 0.01 V: below 0.02, ignored
  CAF_CHECK_EQUAL(e.size(), 1u);
  e.add(52.02, 2); // exactly 0.02 V (0.0199999... in binary): recorded
  CAF_CHECK_EQUAL(e.size(), 2u);
  e.add(52.005, 9); // 0.015 V from the last recorded pair: ignored
  CAF_CHECK_EQUAL(e.size(), 2u);
  e.add(51.99, -1); // 0.03 V down: recorded
  CAF_CHECK_EQUAL(e.size(), 3u);
  ir_options coarse;
  coarse.min_voltage_change = 0.1;
  ir_estimator c{coarse};
  c.add(52.0, 0);
  c.add(52.05, 5);
  c.add(52.1, 10);
  CAF_CHECK_EQUAL(c.size(), 2u);
}

CAF_TEST(window keeps the last ten pairs) {
  ir_estimator e;
  // Five pairs of an old, different line (R 0.05, EMF 50) ...
  for (auto& p : line({0, 10, 20, 30, 40}, 50.0, 0.05))
    e.add(p.first, p.second);
  // ... then ten of the current one; the old pairs must be gone.
  for (auto& p : line({-100, -80, -60, -40, -20, 0, 20, 40, 60, 80}))
    e.add(p.first, p.second);
  CAF_CHECK_EQUAL(e.size(), ir_estimator::max_pairs);
  CHECK_EST("R from the last ten only", e.resistance(), true, 0.01);
  CHECK_EST("EMF from the last ten only", e.emf(), true, 52.0);
  e.clear();
  CAF_CHECK_EQUAL(e.size(), 0u);
  CHECK_EST("cleared: no R", e.resistance(), false, 0);
}

CAF_TEST(degenerate data gives no estimate and no NaN) {
  struct row {
    std::string label;
    pair_list pairs;
    size_t expected_size;
  };
  std::vector<row> rows{
      {"no pairs", {}, 0},
      {"one pair", line({10}), 1},
      {"two pairs", line({10, 20}), 2},
      {"all currents equal", {{52.0, 10}, {52.1, 10}, {52.2, 10}}, 3},
      {"all currents equal and fractional",
       {{52.0, 0.1}, {52.1, 0.1}, {52.2, 0.1}, {52.3, 0.1}},
       4},
      {"negative slope (R < 0)", line({0, 10, 20}, 52.0, -0.01), 3},
      {"constant V with varying I: only the first pair is recorded",
       {{52.0, 0}, {52.0, 10}, {52.0, 20}},
       1},
      {"NaN and Inf are ignored",
       {{nan_d, 1}, {52.0, nan_d}, {inf_d, 2}, {52.5, -inf_d}, {52.0, 0}},
       1},
      {"scattered data: relative error far above 10 %",
       {{52.0, 0}, {52.5, 10}, {51.9, 20}, {52.6, 30}, {52.0, 40}},
       5},
      {"currents near DBL_MAX overflow the sums",
       {{51.0, 1e200}, {52.0, -1e200}, {53.0, 0}},
       3},
      {"voltages near DBL_MAX",
       {{1e307, 0}, {-1e307, 10}, {1e307, 20}, {-1e307, 30}},
       4},
  };
  for (auto& x : rows) {
    auto e = fed(x.pairs);
    CAF_CHECK_EQUAL(x.label + " size " + std::to_string(e.size()),
                    x.label + " size " + std::to_string(x.expected_size));
    CHECK_EST(x.label + ": R", e.resistance(), false, 0);
    CHECK_EST(x.label + ": EMF", e.emf(), false, 0);
  }
  CAF_MESSAGE(rows.size() << " rows");
}

CAF_TEST(bad options fall back to the defaults) {
  ir_options bad;
  bad.min_voltage_change = -1;
  bad.max_percentage_error = nan_d;
  auto e = fed(line({-50, -20, 0, 10, 30, 60}), bad);
  CAF_CHECK_EQUAL(e.size(), 6u);
  CHECK_EST("default error bound applies", e.resistance(), true, 0.01);
  ir_estimator d{bad};
  d.add(52.0, 0);
  d.add(52.01, 1); // default 0.02 V threshold, not -1
  CAF_CHECK_EQUAL(d.size(), 1u);
}

CAF_TEST(emf is v minus i times r) {
  struct row {
    std::string label;
    double v;
    double i;
    double r;
    double expected;
  };
  std::vector<row> rows{
      {"charging lifts V above the EMF", 53.0, 100, 0.01, 52.0},
      {"discharging pulls V below the EMF", 51.5, -50, 0.01, 52.0},
      {"no current: EMF = V", 52.3, 0, 0.01, 52.3},
  };
  for (auto& x : rows)
    CAF_CHECK_EQUAL(plain(x.label, emf_of(x.v, x.i, x.r)),
                    (estimate{x.label, true, x.expected}));
}
