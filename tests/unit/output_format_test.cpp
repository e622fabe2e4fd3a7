#define CAF_SUITE output_format
#include <caf/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "actors/rules/output_format.hpp"

using namespace ba;

namespace {

struct row {
  const char* what;
  const char* path;
  value in;
  value out;
  const char* text;
};

} // namespace

CAF_TEST(every unit rounds and renders as product.md section 7 says) {
  auto nan = std::numeric_limits<double>::quiet_NaN();
  auto inf = std::numeric_limits<double>::infinity();
  std::vector<row> rows{
      {"volt to 0.01", "/Dc/0/Voltage", value::real(52.3449),
       value::real(52.34), "52.34V"},
      {"volt rounds half up", "/Dc/0/Voltage", value::real(52.345001),
       value::real(52.35), "52.35V"},
      {"integer input to d", "/Dc/0/Voltage", value::integer(52),
       value::real(52), "52.00V"},
      {"amp to 0.1", "/Dc/0/Current", value::real(-12.34), value::real(-12.3),
       "-12.3A"},
      {"no negative zero", "/Dc/0/Current", value::real(-0.04), value::real(0),
       "0.0A"},
      {"watt to 1", "/Dc/0/Power", value::real(639.6), value::real(640),
       "640W"},
      {"percent", "/Soc", value::real(81.25), value::real(81.3), "81.3%"},
      {"celsius", "/Dc/0/Temperature", value::real(25.14), value::real(25.1),
       "25.1\u00b0C"},
      {"amphour", "/Capacity", value::real(120.46), value::real(120.5),
       "120.5Ah"},
      {"second", "/TimeToGo", value::real(3600.4), value::real(3600), "3600s"},
      {"invalid stays invalid", "/Soc", value::invalid(), value::invalid(),
       "---"},
      {"NaN is invalid, never 0", "/Soc", value::real(nan), value::invalid(),
       "---"},
      {"Inf is invalid", "/Dc/0/Voltage", value::real(inf), value::invalid(),
       "---"},
      {"text on a number path is invalid", "/Soc", value::text("55"),
       value::invalid(), "---"},
      {"count is i", "/System/NrOfBatteries", value::real(3.0),
       value::integer(3), "3"},
      {"device instance is i", "/DeviceInstance", value::integer(1024),
       value::integer(1024), "1024"},
      {"text path", "/ProductName", value::text("Battery Aggregator"),
       value::text("Battery Aggregator"), "Battery Aggregator"},
      {"number on a text path is invalid", "/Serial", value::real(1),
       value::invalid(), "---"},
      {"unknown path keeps its type", "/Info/Location", value::text("bow"),
       value::text("bow"), "bow"},
      {"unknown integer path", "/Foo/Bar", value::integer(7), value::integer(7),
       "7"},
  };
  for (auto& r : rows) {
    auto item = format_item(r.path, r.in);
    CAF_MESSAGE(r.what);
    CAF_CHECK_EQUAL(item.path, r.path);
    CAF_CHECK_EQUAL(to_string(item.val), to_string(r.out));
    CAF_CHECK(item.val.kind == r.out.kind);
    CAF_CHECK_EQUAL(item.text, r.text);
    // The publisher compares this alone before it renders the text.
    auto v = format_value(r.path, r.in);
    CAF_CHECK_EQUAL(to_string(v), to_string(r.out));
    CAF_CHECK(v.kind == r.out.kind);
  }
}

CAF_TEST(limits round down to 0.1 A) {
  CAF_CHECK_EQUAL(round_down_tenth(75.0), 75.0);
  CAF_CHECK_EQUAL(round_down_tenth(74.99), 74.9);
  // 99.9 computed as 99.89999999 must stay 99.9, not drop to 99.8.
  CAF_CHECK_EQUAL(round_down_tenth(99.899999999), 99.9);
  CAF_CHECK_EQUAL(round_down_tenth(0.05), 0.0);
}

CAF_TEST(writable paths carry their kind) {
  CAF_CHECK(format_item("/CustomName", value::text("x")).write
            == writable::text);
  CAF_CHECK(format_item("/LogLevel", value::text("INFO")).write
            == writable::log_level);
  CAF_CHECK(format_item("/Soc", value::real(1)).write == writable::no);
}
