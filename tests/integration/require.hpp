#pragma once

// Requirements that unwind. CAF 0.17.6's CAF_REQUIRE and CAF_FAIL call
// abort(), which skips every destructor: the private dbus-daemon and the
// children of a scenario would be left to PR_SET_PDEATHSIG and their logs
// never printed. BA_REQUIRE* report the check to CAF like CAF_CHECK* and then
// throw requirement_error, which run_scenario() (scenario.hpp) catches before
// it tears the scenario down and prints the logs.

#include <stdexcept>
#include <string>

#include <caf/test/unit_test.hpp>

namespace ba::test {

/// Thrown by BA_REQUIRE*; the check itself is already reported to CAF.
struct requirement_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

#define BA_REQUIRE(...)                                                        \
  do {                                                                         \
    bool ba_ok_ = static_cast<bool>(__VA_ARGS__);                              \
    static_cast<void>(::caf::test::detail::check(                              \
        ::caf::test::engine::current_test(), __FILE__, __LINE__, #__VA_ARGS__, \
        false, ba_ok_));                                                       \
    ::caf::test::engine::last_check_file(__FILE__);                            \
    ::caf::test::engine::last_check_line(__LINE__);                            \
    if (!ba_ok_)                                                               \
      throw ::ba::test::requirement_error(#__VA_ARGS__);                       \
  } while (false)

#define BA_REQUIRE_FUNC(func, x_expr, y_expr)                                  \
  do {                                                                         \
    func ba_cmp_;                                                              \
    auto&& ba_x_ = x_expr;                                                     \
    auto&& ba_y_ = y_expr;                                                     \
    bool ba_ok_ = ba_cmp_(ba_x_, ba_y_);                                       \
    static_cast<void>(::caf::test::detail::check(                              \
        ::caf::test::engine::current_test(), __FILE__, __LINE__,               \
        CAF_FUNC_EXPR(func, x_expr, y_expr), false, ba_ok_, ba_x_, ba_y_));    \
    ::caf::test::engine::last_check_file(__FILE__);                            \
    ::caf::test::engine::last_check_line(__LINE__);                            \
    if (!ba_ok_)                                                               \
      throw ::ba::test::requirement_error(                                     \
          CAF_FUNC_EXPR(func, x_expr, y_expr));                                \
  } while (false)

#define BA_REQUIRE_EQUAL(x, y) BA_REQUIRE_FUNC(::caf::test::equal_to, x, y)

/// Records a failure of the current CAF test with a message.
inline void report_failure(const std::string& what) {
  CAF_ERROR(what);
}

} // namespace ba::test
