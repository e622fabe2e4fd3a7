#pragma once

// The unit and actor suites' value helpers, in one place: short value
// builders (r, i, t), a lookup that tells an absent path from an invalid
// value (at, absent), and, for the table-driven rule suites, a labelled
// result that compares kinds exactly and numbers with a relative tolerance
// (sums in another order still match; NaN or Inf never does). A suite whose
// rows need another comparison defines its own `result` and takes the
// builders by using-declarations (role_merge_test).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <sstream>
#include <string>
#include <utility>

#include "messages/value.hpp"

namespace ba::test {

inline value r(double x) {
  return value::real(x);
}

inline value i(int64_t x) {
  return value::integer(x);
}

inline value t(std::string s) {
  return value::text(std::move(s));
}

/// Marker for "the path is not in the map": a text, so that an absent path
/// and an invalid value never compare equal.
inline const value absent = value::text("<absent>");

/// The value at `path`, or `absent`.
inline value at(const value_map& m, const std::string& path) {
  auto it = m.find(path);
  return it == m.end() ? absent : it->second;
}

/// A rule's result, labelled with its table row for CAF's failure line.
struct result {
  std::string label;
  value v;
};

inline bool operator==(const result& x, const result& y) {
  if (x.v.kind != y.v.kind)
    return false;
  if (x.v.kind == value_kind::text)
    return x.v.str == y.v.str;
  if (x.v.kind == value_kind::invalid)
    return true;
  auto a = x.v.number;
  auto b = y.v.number;
  if (!std::isfinite(a) || !std::isfinite(b))
    return false; // no rule may ever produce NaN or Inf
  return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b));
}

inline std::string to_string(const result& x) {
  std::ostringstream os;
  os << x.label << ": ";
  if (x.v.kind == value_kind::real)
    os << "real " << std::setprecision(12) << x.v.number;
  else if (x.v.kind == value_kind::integer)
    os << "integer " << ba::to_string(x.v);
  else
    os << ba::to_string(x.v);
  return os.str();
}

} // namespace ba::test
