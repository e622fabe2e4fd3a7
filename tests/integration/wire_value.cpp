#include "tests/integration/wire_value.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "tests/integration/text.hpp"

namespace ba::test {

// -- wire_value ---------------------------------------------------------------

wire_value wire_value::dbl(double x) {
  return {"d", x};
}
wire_value wire_value::int32(int32_t x) {
  return {"i", int64_t{x}};
}
wire_value wire_value::uint32(uint32_t x) {
  return {"u", uint64_t{x}};
}
wire_value wire_value::int64(int64_t x) {
  return {"x", x};
}
wire_value wire_value::uint64(uint64_t x) {
  return {"t", x};
}
wire_value wire_value::int16(int16_t x) {
  return {"n", int64_t{x}};
}
wire_value wire_value::uint16(uint16_t x) {
  return {"q", uint64_t{x}};
}
wire_value wire_value::byte(uint8_t x) {
  return {"y", uint64_t{x}};
}
wire_value wire_value::boolean(bool x) {
  return {"b", x};
}
wire_value wire_value::str(std::string x) {
  return {"s", std::move(x)};
}
wire_value wire_value::invalid(std::string sig) {
  return {std::move(sig), invalid_t{}};
}

std::optional<double> wire_value::number() const {
  if (absent())
    return std::nullopt;
  if (auto p = std::get_if<double>(&payload))
    return *p;
  if (auto p = std::get_if<int64_t>(&payload))
    return static_cast<double>(*p);
  if (auto p = std::get_if<uint64_t>(&payload))
    return static_cast<double>(*p);
  if (auto p = std::get_if<bool>(&payload))
    return *p ? 1.0 : 0.0;
  return std::nullopt;
}

std::optional<std::string> wire_value::text() const {
  if (signature == "s")
    if (auto p = std::get_if<std::string>(&payload))
      return *p;
  return std::nullopt;
}

bool operator==(const wire_value& x, const wire_value& y) {
  return x.signature == y.signature && x.payload == y.payload;
}

std::string to_string(const wire_value& x) {
  if (x.absent())
    return "<absent>";
  if (x.is_invalid())
    return x.signature + ":<invalid>";
  auto body = std::visit(
      [&](const auto& p) -> std::string {
        using type = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<type, double>)
          return format_double(p);
        else if constexpr (std::is_same_v<type, bool>)
          return p ? "true" : "false";
        else if constexpr (std::is_same_v<type, std::string>)
          return x.signature == "s" ? "\"" + p + "\"" : p;
        else if constexpr (std::is_same_v<type, invalid_t>)
          return "<invalid>";
        else
          return std::to_string(p);
      },
      x.payload);
  return x.signature + ":" + body;
}

std::ostream& operator<<(std::ostream& out, const wire_value& x) {
  return out << to_string(x);
}

bool close_to_d::operator()(const wire_value& x, double y) const {
  auto p = std::get_if<double>(&x.payload);
  return x.signature == "d" && p != nullptr
         && std::fabs(*p - y) <= 1e-6 * std::max(1.0, std::fabs(y));
}

} // namespace ba::test
