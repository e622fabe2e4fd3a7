#include "main/config_paths.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <unordered_map>

#include "main/config_suggest.hpp"
#include "messages/path_table.hpp"
#include "messages/paths.hpp"

namespace ba {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return s;
}

/// Lower-case spelling -> canonical spelling, over known_battery_paths().
const std::unordered_map<std::string, std::string>& by_lower_case() {
  static const auto index = [] {
    std::unordered_map<std::string, std::string> m;
    for (auto& p : known_battery_paths())
      m.emplace(lower(p), p);
    return m;
  }();
  return index;
}

} // namespace

const std::vector<std::string>& known_battery_paths() {
  static const auto known = [] {
    std::vector<std::string> out;
    std::set<std::string> seen;
    auto add = [&](const std::string& p) {
      if (seen.insert(p).second)
        out.push_back(p);
    };
    // Member page families (`/Battery/<n>/Serial`) name no single path.
    for (auto& row : path_table())
      if (std::string_view{row.path}.find('<') == std::string_view::npos)
        add(row.path);
    for (auto* p : paths::standard_battery_paths())
      add(p);
    return out;
  }();
  return known;
}

bool is_object_path(const std::string& path) {
  if (path.size() < 2 || path.front() != '/' || path.back() == '/')
    return false;
  char prev = 0;
  for (char c : path) {
    bool ok = c == '/' ? prev != '/'
                       : (std::isalnum(static_cast<unsigned char>(c)) != 0
                          && static_cast<unsigned char>(c) < 0x80)
                             || c == '_';
    if (!ok)
      return false;
    prev = c;
  }
  return true;
}

std::string canonical_path(const std::string& path) {
  auto key = lower(path.empty() || path.front() != '/' ? "/" + path : path);
  auto i = by_lower_case().find(key);
  return i == by_lower_case().end() ? std::string{} : i->second;
}

std::string similar_known_path(const std::string& path) {
  // Short paths (`/Mode`, `/Soc`) are one typo away from too much.
  if (path.size() < 6)
    return {};
  return closest_match(path, known_battery_paths());
}

} // namespace ba
