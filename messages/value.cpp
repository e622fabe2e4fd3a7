#include "messages/value.hpp"

#include <cmath>
#include <sstream>

namespace ba {

value value::real(double x) {
  value v;
  v.kind = value_kind::real;
  v.number = x;
  return v;
}

value value::integer(int64_t x) {
  value v;
  v.kind = value_kind::integer;
  v.number = static_cast<double>(x);
  return v;
}

value value::text(std::string s) {
  value v;
  v.kind = value_kind::text;
  v.str = std::move(s);
  return v;
}

caf::optional<double> value::num() const {
  if (!is_number() || !std::isfinite(number))
    return caf::none;
  return number;
}

bool operator==(const value& x, const value& y) {
  if (x.kind != y.kind)
    return false;
  switch (x.kind) {
    case value_kind::invalid:
      return true;
    case value_kind::text:
      return x.str == y.str;
    default:
      // NaN never equals itself; treat two NaNs as the same value so that a
      // source repeating a NaN does not look like a change.
      return x.number == y.number
             || (std::isnan(x.number) && std::isnan(y.number));
  }
}

std::string to_string(const value& x) {
  switch (x.kind) {
    case value_kind::invalid:
      return "---";
    case value_kind::text:
      return "\"" + x.str + "\"";
    case value_kind::integer: {
      std::ostringstream os;
      os << static_cast<long long>(x.number);
      return os.str();
    }
    default: {
      std::ostringstream os;
      os << x.number;
      return os.str();
    }
  }
}

namespace {

/// Sets `path` to `v` unless it already holds it; the map's own key when
/// something changed, else nullptr.
const std::string* assign(value_map& m, std::string_view path, const value& v) {
  auto i = m.find(path);
  if (i == m.end())
    return &m.emplace(std::string{path}, v).first->first;
  if (i->second == v)
    return nullptr;
  i->second = v;
  return &i->first;
}

} // namespace

bool put(value_map& m, std::string_view path, const value& v) {
  return assign(m, path, v) != nullptr;
}

void value_writer::set(std::string_view path, const value& v) {
  auto key = assign(out, path, v);
  if (key != nullptr && changed != nullptr)
    changed->push_back(*key);
}

value_map::value_type& value_writer::set_found(std::string_view path,
                                               const value& v) {
  set(path, v);
  return *out.find(path);
}

void value_writer::set_entry(value_map::value_type& e, const value& v) {
  if (e.second == v)
    return;
  e.second = v;
  if (changed != nullptr)
    changed->push_back(e.first);
}

} // namespace ba
