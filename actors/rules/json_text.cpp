#include "actors/rules/json_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ba {

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x",
                        static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_json_number(std::string& out, double x) {
  if (!std::isfinite(x)) {
    out += "null";
    return;
  }
  if (x == 0) {
    out += std::signbit(x) ? "-0.0" : "0.0";
    return;
  }
  // The shortest round-trip digits, then nlohmann's layout of them
  // (its dtoa_impl::format_buffer): value = 0.d1d2...dk x 10^n.
  char sci[32];
  auto res
      = std::to_chars(sci, sci + sizeof(sci), x, std::chars_format::scientific);
  std::string_view text{sci, static_cast<size_t>(res.ptr - sci)};
  if (text.front() == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  auto e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e))
    if (c != '.')
      digits += c;
  int exp10 = std::atoi(std::string{text.substr(e + 1)}.c_str());
  auto k = static_cast<int>(digits.size());
  int n = exp10 + 1; // position of the decimal point after d1..dn
  constexpr int min_exp = -4;
  constexpr int max_exp = 15;
  if (k <= n && n <= max_exp) {
    // digits, zeros, ".0"
    out += digits;
    out.append(static_cast<size_t>(n - k), '0');
    out += ".0";
  } else if (0 < n && n <= max_exp) {
    out.append(digits, 0, static_cast<size_t>(n));
    out += '.';
    out.append(digits, static_cast<size_t>(n), std::string::npos);
  } else if (min_exp < n && n <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits, 1, std::string::npos);
    }
    out += 'e';
    int shown = n - 1;
    out += shown < 0 ? '-' : '+';
    auto mag = std::abs(shown);
    if (mag < 10)
      out += '0';
    out += std::to_string(mag);
  }
}

void append_json_integer(std::string& out, int64_t x) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), x);
  out.append(buf, res.ptr);
}

} // namespace ba
