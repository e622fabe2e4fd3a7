#include "actors/rules/output_format.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "messages/path_table.hpp"

namespace ba {

double round_down_tenth(double x) {
  return std::floor(x * 10 + 1e-6) / 10;
}

double round_to(double x, double res) {
  if (res <= 0)
    return x;
  // Divide by the inverse to keep 0.01-steps exact-looking (52.35, not
  // 52.350000000000001 from x / 0.01).
  auto inv = std::round(1 / res);
  auto r = std::round(x * inv) / inv;
  return r == 0 ? 0.0 : r; // no "-0.0"
}

namespace {

int decimals(double res) {
  if (res >= 1 || res <= 0)
    return 0;
  return static_cast<int>(std::lround(-std::log10(res)));
}

std::string plain_text(const value& v) {
  switch (v.kind) {
    case value_kind::invalid:
      return "---";
    case value_kind::text:
      return v.str;
    case value_kind::integer:
      return std::to_string(static_cast<long long>(v.number));
    default: {
      char buf[64];
      snprintf(buf, sizeof(buf), "%g", v.number);
      return buf;
    }
  }
}

} // namespace

value format_value(const std::string& path, const value& v) {
  return format_value(find_path(path), v);
}

value format_value(const path_info* row, const value& v) {
  if (row == nullptr)
    return v;
  auto x = v.num();
  switch (wire_type(row->u)) {
    case 's':
      return v.kind == value_kind::text ? v : value::invalid();
    case 'i':
      return x ? value::integer(std::llround(*x)) : value::invalid();
    default:
      if (!x)
        return value::invalid();
      auto r = row->u == unit::amp_limit ? round_down_tenth(*x)
                                         : round_to(*x, resolution(row->u));
      return value::real(r == 0 ? 0.0 : r);
  }
}

export_item format_item(const std::string& path, const value& v) {
  return rounded_item(path, format_value(path, v));
}

export_item rounded_item(const std::string& path, value rounded) {
  return rounded_item(path, find_path(path), std::move(rounded));
}

export_item rounded_item(const std::string& path, const path_info* row,
                         value rounded) {
  export_item item;
  item.path = path;
  item.val = std::move(rounded);
  if (row == nullptr) {
    item.text = plain_text(item.val);
    return item;
  }
  item.write = row->write;
  if (!item.val.valid()) {
    item.text = "---";
  } else if (item.val.kind == value_kind::real) {
    // to_chars, not snprintf: the same correctly rounded digits as "%.*f"
    // for a fifth of the instructions (a text per changed path and signal).
    char buf[400]; // room for the longest fixed form of a double
    auto res
        = std::to_chars(buf, buf + sizeof(buf), item.val.number,
                        std::chars_format::fixed, decimals(resolution(row->u)));
    item.text.assign(buf, res.ec == std::errc{} ? res.ptr : buf);
    item.text += unit_suffix(row->u);
  } else {
    item.text = plain_text(item.val);
  }
  return item;
}

} // namespace ba
