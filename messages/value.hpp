#pragma once

// The plain value type that crosses from the D-Bus thread to the actors.
// A Venus value is invalid (empty array on the wire), a number or a text.
// Numbers keep whether they arrived as an integer wire type, so that a path
// passed through unchanged keeps its type; the rules treat both as double.

#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <caf/meta/type_name.hpp>
#include <caf/optional.hpp>

namespace ba {

enum class value_kind : uint8_t { invalid, real, integer, text };

struct value {
  value_kind kind = value_kind::invalid;
  double number = 0;
  std::string str;

  static value invalid() {
    return {};
  }
  static value real(double x);
  static value integer(int64_t x);
  static value text(std::string s);

  bool valid() const {
    return kind != value_kind::invalid;
  }
  bool is_number() const {
    return kind == value_kind::real || kind == value_kind::integer;
  }

  /// The number, if this is a finite number; nothing for invalid, text, NaN
  /// and infinities (bad input must never reach the arithmetic).
  caf::optional<double> num() const;
};

bool operator==(const value& x, const value& y);
inline bool operator!=(const value& x, const value& y) {
  return !(x == y);
}

/// Debug form: `---`, `52.1`, `7`, `"text"`.
std::string to_string(const value& x);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, value& x) {
  return f(caf::meta::type_name("value"), x.kind, x.number, x.str);
}

/// Orders paths by length, then by their last eight bytes, then bytewise. The
/// rules look paths up in each member's map thousands of times per second;
/// lexicographic order compared the long common prefixes (`/System/Max...`,
/// `/Alarms/...`) byte by byte at every step of every look-up, while most
/// lengths differ. Transparent, so that a look-up by `const char*` or
/// `std::string_view` builds no `std::string` (most paths are longer than the
/// small-string buffer, so that was a heap allocation each time).
/// bench/RESULTS.md has the profiles.
struct path_less {
  using is_transparent = void;
  bool operator()(std::string_view x, std::string_view y) const noexcept {
    if (x.size() != y.size())
      return x.size() < y.size();
    // Paths of equal length mostly differ near their end
    // (`/System/MinCellVoltage`, `/System/MaxCellVoltage`): compare the last
    // eight bytes as one number first, inline, and call memcmp only when
    // they are equal too (a match, or a rare near-twin).
    if (x.size() >= 8) {
      auto tx = tail(x);
      auto ty = tail(y);
      if (tx != ty)
        return tx < ty;
    }
    return x.compare(y) < 0;
  }

 private:
  static uint64_t tail(std::string_view s) noexcept {
    uint64_t t = 0;
    std::memcpy(&t, s.data() + s.size() - 8, 8);
    return t;
  }
};

/// Path -> value. Ordered (by `path_less`), so that output and tests are
/// deterministic.
using value_map = std::map<std::string, value, path_less>;

/// Sets `path` in `m` to `v` and says whether that changed `m` (a new path
/// is a change). An existing path is found without building a key string:
/// the bank writes its outputs this way on every update (issue 13).
bool put(value_map& m, std::string_view path, const value& v);

/// Writes a bank's outputs into a map that lives from one computation to
/// the next, and notes the paths whose value changed (views of the map's own
/// keys, valid while the path stays in it): the publisher is sent only
/// those, and nothing is built for a path that is already there.
struct value_writer {
  value_map& out;
  std::vector<std::string_view>* changed = nullptr;
  /// Copies `v` only when it differs from what the map holds.
  void set(std::string_view path, const value& v);
  /// `set`, returning the map's entry for `path` (entries stay where they
  /// are: a caller that writes the same path often keeps it).
  value_map::value_type& set_found(std::string_view path, const value& v);
  /// `set` for an entry of `out` found before: no look-up.
  void set_entry(value_map::value_type& e, const value& v);
};

} // namespace ba
