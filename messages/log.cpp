#include "messages/log.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <mutex>

namespace ba {

namespace {

std::atomic<int> level_{static_cast<int>(log_level::info)};
std::mutex mtx_;

} // namespace

void log(log_level lvl, const std::string& component, const std::string& msg) {
  if (static_cast<int>(lvl) < level_.load(std::memory_order_relaxed))
    return;
  std::lock_guard<std::mutex> guard{mtx_};
  // One fprintf per line, so that lines from two threads never interleave.
  fprintf(stderr, "%s %s: %s\n", to_string(lvl), component.c_str(),
          msg.c_str());
  fflush(stderr);
}

void set_log_level(log_level lvl) {
  level_.store(static_cast<int>(lvl));
}

log_level current_log_level() {
  return static_cast<log_level>(level_.load());
}

caf::optional<log_level> parse_log_level(const std::string& text) {
  std::string up = text;
  std::transform(up.begin(), up.end(), up.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  if (up == "DEBUG")
    return log_level::debug;
  if (up == "INFO")
    return log_level::info;
  if (up == "WARNING")
    return log_level::warning;
  if (up == "ERROR")
    return log_level::error;
  return caf::none;
}

const char* to_string(log_level lvl) {
  switch (lvl) {
    case log_level::debug:
      return "DEBUG";
    case log_level::info:
      return "INFO";
    case log_level::warning:
      return "WARNING";
    default:
      return "ERROR";
  }
}

} // namespace ba
