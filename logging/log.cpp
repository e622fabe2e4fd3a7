#include "logging/log.hpp"

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

std::string one_line(const std::string& msg, size_t max) {
  auto clean = [](unsigned char c) { return c >= 0x20 && c != 0x7f; };
  if (msg.size() <= max && std::all_of(msg.begin(), msg.end(), clean))
    return msg;
  std::string out;
  out.reserve(std::min(msg.size(), max) + 32);
  bool cut = false;
  for (unsigned char c : msg) {
    if (out.size() >= max) {
      cut = true;
      break;
    }
    if (clean(c)) {
      out += static_cast<char>(c);
      continue;
    }
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        static const char hex[] = "0123456789abcdef";
        out += "\\x";
        out += hex[c >> 4];
        out += hex[c & 15];
      }
    }
  }
  if (cut) {
    out.resize(max);
    out += "... (" + std::to_string(msg.size()) + " bytes)";
  }
  return out;
}

void log(log_level lvl, const std::string& component, const std::string& msg) {
  if (static_cast<int>(lvl) < level_.load(std::memory_order_relaxed))
    return;
  auto line = one_line(msg);
  std::lock_guard<std::mutex> guard{mtx_};
  // One fprintf per line, so that lines from two threads never interleave.
  fprintf(stderr, "%s %s: %s\n", to_string(lvl), component.c_str(),
          line.c_str());
  fflush(stderr);
}

void set_log_level(log_level lvl) {
  level_.store(static_cast<int>(lvl));
}

log_level current_log_level() {
  return static_cast<log_level>(level_.load());
}

} // namespace ba
