#pragma once

// Text helpers the harness and the suites share: numbers rendered for
// failure messages, counting lines in a child's log, and reading the JSON
// lists of service names the daemon publishes (/System/Batteries,
// /System/MissingBatteries).

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace ba::test {

/// `x` as the shorter of %.15g / %.17g that reads back as `x`, so that a
/// failure message never shows two "equal" numbers.
std::string format_double(double x);

/// How often `needle` occurs in `text` (log lines, for instance).
size_t count_occurrences(const std::string& text, const std::string& needle);

/// Parses a JSON list of strings (`/System/Batteries`); nullopt when the text
/// is not exactly that.
std::optional<std::vector<std::string>>
parse_json_string_list(const std::string& text);

} // namespace ba::test
