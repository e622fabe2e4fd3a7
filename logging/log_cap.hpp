#pragma once

// Bounds what one source can make the service log about itself: a
// misbehaving driver repeats the same complaint at its update rate, and a
// signal of 100,000 bad paths must not become 100,000 lines (issue 12).

#include <cstddef>
#include <set>
#include <string>

namespace ba {

/// Bad-input lines per source and kind before one summary line.
constexpr size_t max_logged_paths = 16;

/// Decides, per key (a path), whether a complaint is logged: once per key,
/// for at most `cap` keys, then one summary, then nothing. The remembered
/// keys are bounded by `cap` as well.
class log_cap {
 public:
  enum class verdict { log, summary, quiet };

  explicit log_cap(size_t cap = max_logged_paths) : cap_(cap) {
    // nop
  }

  verdict note(const std::string& key);

 private:
  size_t cap_;
  std::set<std::string> keys_;
  bool summarised_ = false;
};

} // namespace ba
