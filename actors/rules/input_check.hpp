#pragma once

// Plausibility check of one value a source publishes, before any rule sees
// it (product.md section 5, "Bad input never crashes"). Pure: no actors, no
// bus, no logging; the caller logs a rejection once per source and path.
//
// - Numeric paths (every path-table row with a number unit, plus the input
//   paths the aggregate reads: /Connected, /Io/*, /Alarms/*, /Dc/0/*...):
//   a text, NaN or an infinity is rejected, and so is a number outside the
//   path's plausible range (see input_check.cpp for each range and why).
// - Flags (/Connected, /Balancing, /Info/ChargeRequest, /Io/*) have no
//   range: any finite number is accepted and every nonzero one means "yes".
// - Text paths (/CustomName, /Info/ChargeMode, /System/*CellId...) are
//   never rejected; a number there is passed on as it is, and the rules
//   treat a value of the wrong kind as absent.
// - An invalid value stays invalid and is not a rejection.
// - Paths the aggregate does not know pass through unchanged.

#include <string>

#include "messages/value.hpp"

namespace ba {

struct input_verdict {
  /// What the rules may use: the input unchanged, or invalid when rejected.
  value val;
  bool rejected = false;
  /// Why, for the log: "SoC 150 outside 0..100", "text where a number is
  /// expected", "not a finite number". Empty when not rejected.
  std::string reason;
};

input_verdict check_input(const std::string& path, const value& v);

} // namespace ba
