#define CAF_SUITE output
#include <caf/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "tests/integration/polling.hpp"
#include "tests/integration/scenario.hpp"

using namespace ba::test;

namespace {

const std::string agg = aggregator_name;
const std::string bat = "com.victronenergy.battery.out_a";

} // namespace

CAF_TEST(legacySignals adds one PropertiesChanged per changed path) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    s.start_battery(bat, set_args({{"/Dc/0/Current", "d:-5"}}));
    start_aggregator(s, R"({"startupBatteryWait": 1, "legacySignals": true})");
    BA_REQUIRE_D(poll_value(c, agg, "/Dc/0/Current", near_d(-5)), -5);
    auto mark = c.mark();
    BA_REQUIRE_EQUAL(
        c.sim_set_items(bat, {{"/Dc/0/Current", wire_value::dbl(-6)}}), 0);
    BA_REQUIRE(c.wait_for_items_changed(
                    agg,
                    [](const recorded_signal& r) {
                      return close_to_d{}(r.value("/Dc/0/Current"), -6);
                    },
                    eventually, mark)
                   .has_value());
    BA_REQUIRE(wait_until(
        [&] {
          for (auto& sig : c.properties_changed_from(agg, mark))
            if (sig.path == "/Dc/0/Current")
              return true;
          return false;
        },
        eventually));
    for (auto& sig : c.properties_changed_from(agg, mark))
      if (sig.path == "/Dc/0/Current")
        BA_CHECK_D(sig.value("/Dc/0/Current"), -6);
  });
}

CAF_TEST(without legacySignals there is no PropertiesChanged) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    s.start_battery(bat, set_args({{"/Dc/0/Current", "d:-5"}}));
    start_aggregator(s, R"({"startupBatteryWait": 1})");
    BA_REQUIRE_D(poll_value(c, agg, "/Dc/0/Current", near_d(-5)), -5);
    auto mark = c.mark();
    BA_REQUIRE_EQUAL(
        c.sim_set_items(bat, {{"/Dc/0/Current", wire_value::dbl(-6)}}), 0);
    BA_REQUIRE_D(poll_value(c, agg, "/Dc/0/Current", near_d(-6)), -6);
    // Give a stray signal time to arrive before asserting there is none.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CAF_CHECK_EQUAL(c.properties_changed_from(agg, mark).size(), 0u);
  });
}

CAF_TEST(publishInterval bounds the signal rate) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    s.start_battery(bat, set_args({{"/Dc/0/Current", "d:0"}}));
    start_aggregator(s, R"({"startupBatteryWait": 1, "publishInterval": 200})");
    BA_REQUIRE_D(poll_value(c, agg, "/Dc/0/Current", near_d(0)), 0);
    auto mark = c.mark();
    auto start = clock_type::now();
    // 40 changes as fast as the bus takes them.
    for (int i = 1; i <= 40; ++i)
      c.sim_set_items_no_reply(bat, {{"/Dc/0/Current", wire_value::dbl(-i)}});
    BA_REQUIRE_D(poll_value(c, agg, "/Dc/0/Current", near_d(-40)), -40);
    auto elapsed = ms_between(start, clock_type::now());
    auto n = c.items_changed_from(agg, mark).size();
    CAF_MESSAGE(n << " signals in " << elapsed << " ms");
    // At most one per 200 ms, plus the one that may leave at once.
    CAF_CHECK_LESS_OR_EQUAL(static_cast<double>(n), elapsed / 200.0 + 1);
    CAF_CHECK_GREATER_OR_EQUAL(n, 1u);
  });
}
