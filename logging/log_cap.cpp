#include "logging/log_cap.hpp"

namespace ba {

log_cap::verdict log_cap::note(const std::string& key) {
  if (summarised_ || keys_.count(key) != 0)
    return verdict::quiet;
  if (keys_.size() < cap_) {
    keys_.insert(key);
    return verdict::log;
  }
  summarised_ = true;
  return verdict::summary;
}

} // namespace ba
