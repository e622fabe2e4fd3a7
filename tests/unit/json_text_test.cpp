#define CAF_SUITE json_text
#include <caf/test/unit_test.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/rules/json_text.hpp"

using namespace ba;

namespace {

std::string ours(double x) {
  std::string s;
  append_json_number(s, x);
  return s;
}

std::string theirs(double x) {
  return nlohmann::json(x).dump();
}

} // namespace

CAF_TEST(numbers print as nlohmann prints them) {
  // The forms the diagnostics publish: rounded to 0.1, 0.001 and 1e-5,
  // over the whole range a member could send, and the edges of
  // nlohmann's layout (exponent from 1e16 and below 1e-4).
  for (double x : {0.0,
                   -0.0,
                   1.0,
                   -1.0,
                   90.0,
                   0.879,
                   165.2,
                   1e-5,
                   1e-4,
                   1.5e-4,
                   0.001,
                   12345.678,
                   1e15,
                   1e16,
                   1.5e16,
                   1e20,
                   1e100,
                   -2.5e-7,
                   123456789012345.0,
                   1234567890123456.0,
                   std::numeric_limits<double>::max(),
                   std::numeric_limits<double>::denorm_min()})
    CAF_CHECK_EQUAL(ours(x), theirs(x));
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> mantissa(-1000, 1000);
  std::uniform_int_distribution<int> exponent(-12, 18);
  int differing = 0;
  for (int n = 0; n < 20000; ++n) {
    auto x = mantissa(rng) * std::pow(10.0, exponent(rng));
    for (double scale : {10.0, 1000.0, 1e5}) {
      auto r = std::round(x * scale) / scale;
      // Grisu2 (nlohmann) is not always the shortest (0.9111900000000001
      // for 0.91119): then ours is shorter, and means the same double.
      auto a = ours(r);
      auto b = theirs(r);
      // Beyond ~15 significant digits two texts of the same length may
      // both read back (a 1e15 A limit): there only the value counts.
      bool plain = std::abs(r * scale) < 1e14;
      if ((plain && (a.size() > b.size() || (a.size() == b.size() && a != b)))
          || nlohmann::json::parse(a).get<double>() != r) {
        if (++differing < 5)
          CAF_MESSAGE(r << ": " << a << " vs " << b);
      }
    }
    // Any double reads back as itself (the shortest digits may differ
    // from nlohmann's Grisu2 in rare cases, never the value).
    CAF_CHECK_EQUAL(nlohmann::json::parse(ours(x)).get<double>(), x);
  }
  CAF_CHECK_EQUAL(differing, 0);
  CAF_CHECK_EQUAL(ours(std::nan("")), "null");
  CAF_CHECK_EQUAL(ours(std::numeric_limits<double>::infinity()), "null");
}

CAF_TEST(strings escape as nlohmann escapes them) {
  std::vector<std::string> texts{"",
                                 "com.victronenergy.battery.ttyUSB0",
                                 "quote \" backslash \\ slash /",
                                 "tab\tnl\ncr\r",
                                 std::string("nul\0x\x1f\x7f", 7),
                                 "\b\f"};
  for (auto& s : texts) {
    std::string got;
    append_json_string(got, s);
    CAF_CHECK_EQUAL(got, nlohmann::json(s).dump());
  }
}

CAF_TEST(integers) {
  for (int64_t x : {int64_t{0}, int64_t{5}, int64_t{-17},
                    std::numeric_limits<int64_t>::max(),
                    std::numeric_limits<int64_t>::min()}) {
    std::string got;
    append_json_integer(got, x);
    CAF_CHECK_EQUAL(got, nlohmann::json(x).dump());
  }
}
