#define CAF_SUITE value
#include <caf/test/unit_test.hpp>

#include <cmath>
#include <limits>

#include "messages/value.hpp"

using namespace ba;

CAF_TEST(num gives only finite numbers) {
  auto num = [](const value& v) {
    auto x = v.num();
    return x ? *x : -99.0;
  };
  CAF_CHECK_EQUAL(num(value::real(1.5)), 1.5);
  CAF_CHECK_EQUAL(num(value::integer(-7)), -7.0);
  CAF_CHECK(!value::invalid().num());
  CAF_CHECK(!value::text("1").num());
  CAF_CHECK(!value::real(std::numeric_limits<double>::quiet_NaN()).num());
  CAF_CHECK(!value::real(std::numeric_limits<double>::infinity()).num());
}

CAF_TEST(equality compares kind and payload) {
  CAF_CHECK(value::real(1) == value::real(1));
  CAF_CHECK(value::real(1) != value::integer(1));
  CAF_CHECK(value::invalid() == value::invalid());
  CAF_CHECK(value::text("a") != value::text("b"));
  auto nan = std::numeric_limits<double>::quiet_NaN();
  CAF_CHECK(value::real(nan) == value::real(nan));
}

CAF_TEST(debug text) {
  CAF_CHECK_EQUAL(to_string(value::invalid()), "---");
  CAF_CHECK_EQUAL(to_string(value::integer(7)), "7");
  CAF_CHECK_EQUAL(to_string(value::real(52.5)), "52.5");
  CAF_CHECK_EQUAL(to_string(value::text("x")), "\"x\"");
}
