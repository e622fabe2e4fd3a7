#pragma once

// How config messages write locations and values: JSON paths written like
// JavaScript (`ir.minVoltageChange`, `primaryServices["com..."]`, `[2]`),
// strings quoted and cut, values described ("a list"), alternatives listed.
// Shared by the loader (syntax, duplicate keys) and the validator.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ba::config_text {

/// Object keys keep file order: "config order" (precedence of primaries,
/// merge members) is the order in the file.
using json = nlohmann::ordered_json;

/// Strings from the file are echoed quoted (control characters escaped, so
/// a message stays one line) and cut after this many bytes: a 10 MB string
/// must not become a 10 MB log line.
constexpr size_t max_quoted = 120;

/// A JSON string literal for messages, cut after `max_quoted` bytes; never
/// throws, whatever bytes `s` holds.
std::string quote(const std::string& s);

/// Letters, digits and _, not starting with a digit.
bool is_identifier(const std::string& s);

/// `loc` extended by an object key: `.key` for identifiers, `["key"]` for
/// anything else (service names contain dots).
std::string at(const std::string& loc, const std::string& key);

/// `loc` extended by a list index: `[i]`.
std::string at(const std::string& loc, size_t index);

/// "a string", "a list"...: what a value is, for "must be X, not Y".
std::string describe(const json& v);

/// "a, b or c".
std::string one_of(const std::vector<std::string>& xs);

/// Short text of a number for messages ("1", "0.5", "1000000").
std::string number_text(double x);

} // namespace ba::config_text
