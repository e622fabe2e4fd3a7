#pragma once

// JSON text written straight into a string, for the diagnostics paths
// (product.md 2.5). Building them as nlohmann::json documents first cost
// ~20 k instructions per member entry and a heap allocation per key and
// value (~650 k per explanation at 16 packs, rebuilt whenever a limit
// moves; issue 13). The output is what nlohmann::json's dump() gives for
// the same values, except that a number is never longer than it needs to
// be (nlohmann's Grisu2 prints 0.9111900000000001 for 0.91119 now and
// then); unit.json_text holds the two together.

#include <cstdint>
#include <string>
#include <string_view>

namespace ba {

/// `"s"` with JSON escapes (as nlohmann: `\"`, `\\`, `\b \f \n \r \t`,
/// other control characters as `\u00xx`).
void append_json_string(std::string& out, std::string_view s);

/// A double in nlohmann's layout: the shortest digits that read back as
/// the same double, integral values with `.0`, exponents from 1e16 and
/// below 1e-4 in the form `1e-05`; NaN and infinities as `null`.
void append_json_number(std::string& out, double x);

void append_json_integer(std::string& out, int64_t x);

} // namespace ba
