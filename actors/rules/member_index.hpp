#pragma once

// A member's numbers by path-table row, kept next to its value map so that
// the bank rules read them with an array index instead of a map look-up.
// The bank is computed over every member on every update; with string-keyed
// look-ups (a walk through scattered tree nodes per path and member) that
// made the cost per update grow with the bank (bench/RESULTS.md). The index
// is maintained where the values change (source_table), once per changed
// path, so a computation reads K small contiguous arrays.
//
// The rules take `member_ref`s: a map with or without an index. Without one
// (the rule tests, callers that build maps on the fly) every read goes to the
// map, with exactly the same result.

#include <cstdint>
#include <string_view>
#include <vector>

#include <caf/optional.hpp>

#include "messages/value.hpp"

namespace ba {

/// The row of `path` in path_table(), or -1.
int path_row(std::string_view path);

/// A path with its row looked up once, for reading it from many members.
struct path_key {
  // Implicit on purpose: a rule may pass a plain path (and pays one row
  // look-up per read); hot loops make the key once.
  path_key(std::string_view p) : path(p), row(path_row(p)) {
    // nop
  }
  path_key(const char* p) : path_key(std::string_view{p}) {
    // nop
  }
  path_key(const std::string& p) : path_key(std::string_view{p}) {
    // nop
  }
  std::string_view path;
  int row;
};

class member_index {
 public:
  /// Every row from `values`.
  void rebuild(const value_map& values);

  /// The rows of the paths in `changed`, which have just been written into
  /// the member's map with exactly these values.
  void update(const value_map& changed);

  bool built() const {
    return built_;
  }

  /// Whether the map has `row`'s path (valid or not).
  bool has(int row) const {
    return has_[static_cast<size_t>(row)] != 0;
  }

  /// The finite number at `row`, as value::num() of the map's value.
  caf::optional<double> num(int row) const {
    auto x = num_[static_cast<size_t>(row)];
    if (x != x) // NaN: no finite number
      return caf::none;
    return x;
  }

 private:
  void set(std::string_view path, const value& v);

  std::vector<double> num_; // NaN: no finite number
  std::vector<uint8_t> has_;
  bool built_ = false;
};

/// One member as the rules read it: its map (nullptr = no data) and, when
/// the caller keeps one that matches the map, its index.
struct member_ref;

/// number_at for a member without an index (or a path outside the table).
caf::optional<double> number_in_map(const member_ref& m, const path_key& key);

struct member_ref {
  // Implicit on purpose: a map alone is a member without an index.
  member_ref(const value_map* v) : values(v) {
    // nop
  }
  member_ref(const value_map* v, const member_index* i)
      : values(v), index(i != nullptr && i->built() ? i : nullptr) {
    // nop
  }
  const value_map* values = nullptr;
  const member_index* index = nullptr;
};

/// The finite number at `key` of member `m`; nothing when the path is
/// missing, invalid, text, NaN or infinite (value::num()). Every rule reads
/// numbers through this, so bad input is skipped in one place. Inline: the
/// bank reads thousands of numbers per second through it.
inline caf::optional<double> number_at(const member_ref& m,
                                       const path_key& key) {
  if (m.index != nullptr && key.row >= 0 && m.values != nullptr)
    return m.index->num(key.row);
  return number_in_map(m, key);
}

/// Whether member `m` has `key`'s path at all (valid or not).
bool has_path(const member_ref& m, const path_key& key);

} // namespace ba
