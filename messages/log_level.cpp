#include "messages/log_level.hpp"

#include <algorithm>
#include <cctype>

namespace ba {

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
