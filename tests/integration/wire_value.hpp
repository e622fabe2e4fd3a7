#pragma once

// Values on the wire, as the test sees them: a D-Bus signature plus a plain
// payload, with the Venus "invalid" (an empty array) as a value of its own.
// The suites compare what the daemon publishes against these, and build the
// values they send to it and to the doubles from them. No sdbus type appears
// here; wire_codec.hpp converts to and from sdbus messages.

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <variant>

#include <caf/test/unit_test.hpp>

#include "tests/integration/require.hpp"

namespace ba::test {

/// Marker payload of an invalid value (any empty array on the wire).
struct invalid_t {};
inline bool operator==(invalid_t, invalid_t) {
  return true;
}

/// The test's own view of a received D-Bus value: its signature plus a plain
/// payload. It never holds an sdbus::Variant, so it may cross threads freely.
/// A default-constructed wire_value is "absent" (empty signature), e.g. a
/// missing "Text" entry. Non-empty arrays (never a Venus value) keep a
/// rendering of their content as string payload.
struct wire_value {
  using payload_type
      = std::variant<invalid_t, double, int64_t, uint64_t, bool, std::string>;

  std::string signature;
  payload_type payload;

  static wire_value dbl(double x);
  static wire_value int32(int32_t x);
  static wire_value uint32(uint32_t x);
  static wire_value int64(int64_t x);
  static wire_value uint64(uint64_t x);
  static wire_value int16(int16_t x);
  static wire_value uint16(uint16_t x);
  static wire_value byte(uint8_t x);
  static wire_value boolean(bool x);
  static wire_value str(std::string x);
  /// An empty array of signature `sig` ("ai" is the Venus invalid).
  static wire_value invalid(std::string sig = "ai");

  bool absent() const {
    return signature.empty();
  }
  bool is_invalid() const {
    return !absent() && std::holds_alternative<invalid_t>(payload);
  }
  bool valid() const {
    return !absent() && !is_invalid();
  }
  /// Any integer type, double or bool, as double.
  std::optional<double> number() const;
  /// The string payload of an `s` value.
  std::optional<std::string> text() const;
};

bool operator==(const wire_value& x, const wire_value& y);
inline bool operator!=(const wire_value& x, const wire_value& y) {
  return !(x == y);
}

/// Debug form for test messages: `d:52.3`, `i:7`, `s:"x"`, `ai:<invalid>`,
/// `<absent>`.
std::string to_string(const wire_value& x);
std::ostream& operator<<(std::ostream& out, const wire_value& x);

/// Path -> (Value, Text), as in GetItems and ItemsChanged. Text is absent
/// when an entry carries none.
using item_map = std::map<std::string, std::pair<wire_value, wire_value>>;

/// Comparator for CAF_CHECK_FUNC: `d` value within 1e-6 (relative for large
/// values) of a number. Published values are rounded by the daemon, so an
/// exact comparison would depend on its rounding arithmetic.
struct close_to_d {
  bool operator()(const wire_value& x, double y) const;
};

#define BA_CHECK_D(value, expected)                                            \
  CAF_CHECK_FUNC(::ba::test::close_to_d, value, expected)

#define BA_REQUIRE_D(value, expected)                                          \
  BA_REQUIRE_FUNC(::ba::test::close_to_d, value, expected)

} // namespace ba::test
