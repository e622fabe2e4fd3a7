#include "tests/integration/text.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace ba::test {

std::string format_double(double x) {
  char buf[64];
  // Shortest of %.15g / %.17g that round-trips, so that a failure message
  // never shows two "equal" numbers.
  std::snprintf(buf, sizeof(buf), "%.15g", x);
  if (std::strtod(buf, nullptr) != x)
    std::snprintf(buf, sizeof(buf), "%.17g", x);
  return buf;
}

size_t count_occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos;
       pos = text.find(needle, pos + needle.size()))
    ++n;
  return n;
}

std::optional<std::vector<std::string>>
parse_json_string_list(const std::string& text) {
  std::vector<std::string> result;
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
      ++i;
  };
  auto expect = [&](char c) {
    skip_ws();
    if (i < text.size() && text[i] == c) {
      ++i;
      return true;
    }
    return false;
  };
  if (!expect('['))
    return std::nullopt;
  if (expect(']')) {
    skip_ws();
    return i == text.size() ? std::optional{result} : std::nullopt;
  }
  do {
    if (!expect('"'))
      return std::nullopt;
    std::string item;
    while (i < text.size() && text[i] != '"') {
      if (text[i] == '\\' && i + 1 < text.size())
        ++i; // service names contain no escapes worth decoding
      item += text[i++];
    }
    if (i >= text.size())
      return std::nullopt;
    ++i; // closing quote
    result.push_back(std::move(item));
  } while (expect(','));
  if (!expect(']'))
    return std::nullopt;
  skip_ws();
  return i == text.size() ? std::optional{result} : std::nullopt;
}

} // namespace ba::test
