#include "main/config_text.hpp"

#include <algorithm>
#include <cctype>
#include <iomanip>
#include <sstream>

namespace ba::config_text {

std::string quote(const std::string& s) {
  // `replace`: a message must never throw, whatever bytes a key holds.
  if (s.size() <= max_quoted)
    return json(s).dump(-1, ' ', false, json::error_handler_t::replace);
  return json(s.substr(0, max_quoted))
             .dump(-1, ' ', false, json::error_handler_t::replace)
         + "... (" + std::to_string(s.size()) + " bytes)";
}

bool is_identifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0])))
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string at(const std::string& loc, const std::string& key) {
  if (is_identifier(key))
    return loc.empty() ? key : loc + "." + key;
  return loc + "[" + quote(key) + "]";
}

std::string at(const std::string& loc, size_t index) {
  return loc + "[" + std::to_string(index) + "]";
}

std::string describe(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "a list";
    case json::value_t::object:
      return "an object";
    default:
      return v.is_number() ? "a number" : "binary data";
  }
}

std::string one_of(const std::vector<std::string>& xs) {
  std::string out;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (i > 0)
      out += i + 1 == xs.size() ? " or " : ", ";
    out += xs[i];
  }
  return out;
}

std::string number_text(double x) {
  std::ostringstream out;
  out << std::setprecision(15) << x;
  return out.str();
}

} // namespace ba::config_text
