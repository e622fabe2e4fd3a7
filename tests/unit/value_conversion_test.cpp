#define CAF_SUITE value_conversion
#include <caf/test/unit_test.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bus/value_conversion.hpp"

using namespace ba;

namespace {

struct row {
  const char* what;
  sdbus::Variant in;
  value out;
  bool odd;
};

} // namespace

CAF_TEST(every numeric wire type is read as a number) {
  std::vector<row> rows;
  rows.push_back({"d", sdbus::Variant{52.25}, value::real(52.25), false});
  rows.push_back(
      {"y", sdbus::Variant{uint8_t{200}}, value::integer(200), false});
  rows.push_back({"n", sdbus::Variant{int16_t{-7}}, value::integer(-7), false});
  rows.push_back(
      {"q", sdbus::Variant{uint16_t{65535}}, value::integer(65535), false});
  rows.push_back(
      {"i", sdbus::Variant{int32_t{-12}}, value::integer(-12), false});
  rows.push_back(
      {"u", sdbus::Variant{uint32_t{55}}, value::integer(55), false});
  rows.push_back({"x", sdbus::Variant{int64_t{-5000000000}},
                  value::integer(-5000000000), false});
  rows.push_back(
      {"t", sdbus::Variant{uint64_t{42}}, value::integer(42), false});
  rows.push_back({"b true", sdbus::Variant{true}, value::integer(1), false});
  rows.push_back({"b false", sdbus::Variant{false}, value::integer(0), false});
  rows.push_back(
      {"s", sdbus::Variant{std::string{"C3"}}, value::text("C3"), false});
  rows.push_back({"empty ai is invalid", sdbus::Variant{std::vector<int32_t>{}},
                  value::invalid(), false});
  rows.push_back({"empty au is invalid (velib's empty list)",
                  sdbus::Variant{std::vector<uint32_t>{}}, value::invalid(),
                  false});
  rows.push_back({"non-empty ai is odd and invalid",
                  sdbus::Variant{std::vector<int32_t>{1, 2}}, value::invalid(),
                  true});
  rows.push_back({"a dict is odd and invalid",
                  sdbus::Variant{std::map<std::string, int32_t>{{"a", 1}}},
                  value::invalid(), true});
  rows.push_back({"a struct is odd and invalid",
                  sdbus::Variant{sdbus::Struct<int32_t, double>{1, 2.0}},
                  value::invalid(), true});
  for (auto& r : rows) {
    CAF_MESSAGE(r.what);
    bool odd = !r.odd;
    auto v = from_variant(r.in, &odd);
    CAF_CHECK_EQUAL(v, r.out);
    CAF_CHECK_EQUAL(odd, r.odd);
  }
}

CAF_TEST(a huge unsigned 64 - bit value stays a number) {
  auto v = from_variant(sdbus::Variant{uint64_t{18446744073709551615ull}});
  CAF_CHECK(v.kind == value_kind::real);
  CAF_CHECK(v.num());
}

CAF_TEST(values go out with their wire type) {
  CAF_CHECK_EQUAL(to_variant(value::real(1.5)).peekValueType(), "d");
  CAF_CHECK_EQUAL(to_variant(value::integer(7)).peekValueType(), "i");
  CAF_CHECK_EQUAL(to_variant(value::integer(5000000000)).peekValueType(), "x");
  CAF_CHECK_EQUAL(to_variant(value::text("x")).peekValueType(), "s");
  auto inv = to_variant(value::invalid());
  CAF_CHECK_EQUAL(inv.peekValueType(), "ai");
  CAF_CHECK(inv.get<std::vector<int32_t>>().empty());
}

CAF_TEST(round trip) {
  for (auto& v : {value::real(-3.25), value::integer(1024),
                  value::text("House"), value::invalid()})
    CAF_CHECK_EQUAL(from_variant(to_variant(v)), v);
}
