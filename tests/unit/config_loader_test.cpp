#define CAF_SUITE config_loader
#include <caf/test/unit_test.hpp>

#include <string>
#include <vector>

#include "main/config_loader.hpp"

using namespace ba;

CAF_TEST(an empty object means defaults) {
  auto rep = parse_config("{}", "c.json");
  CAF_REQUIRE(rep.ok());
  CAF_CHECK_EQUAL(rep.cfg.service_name, "com.victronenergy.battery.aggregator");
  CAF_CHECK_EQUAL(rep.cfg.startup_battery_wait, 30.0);
  CAF_CHECK_EQUAL(rep.cfg.publish_interval_ms, 10);
  CAF_CHECK(!rep.cfg.capacity);
  CAF_CHECK(rep.cfg.soc == soc_method::weighted);
}

CAF_TEST(every implemented key is read) {
  auto rep = parse_config(R"({
    "serviceName": "com.victronenergy.battery.bank1",
    "excludedServices": ["com.victronenergy.battery.ttyS1"],
    "capacity": 200,
    "socMethod": "min",
    "startupBatteryWait": 5,
    "reconnectTimeout": 10,
    "staleTimeout": 30,
    "publishInterval": 20,
    "legacySignals": true,
    "logLevel": "debug"
  })",
                          "c.json");
  CAF_REQUIRE(rep.ok());
  auto& c = rep.cfg;
  CAF_CHECK_EQUAL(c.service_name, "com.victronenergy.battery.bank1");
  CAF_REQUIRE_EQUAL(c.excluded_services.size(), 1u);
  CAF_CHECK_EQUAL(c.excluded_services[0], "com.victronenergy.battery.ttyS1");
  CAF_CHECK_EQUAL(c.capacity ? *c.capacity : -1.0, 200.0);
  CAF_CHECK(c.soc == soc_method::min);
  CAF_CHECK_EQUAL(c.startup_battery_wait, 5.0);
  CAF_CHECK_EQUAL(c.reconnect_timeout, 10.0);
  CAF_CHECK_EQUAL(c.stale_timeout, 30.0);
  CAF_CHECK_EQUAL(c.publish_interval_ms, 20);
  CAF_CHECK(c.legacy_signals);
  CAF_CHECK(c.level == log_level::debug);
}

CAF_TEST(syntax errors carry line and column) {
  auto rep = parse_config("{\n  \"capacity\": 200,\n  oops\n}", "c.json");
  CAF_REQUIRE_EQUAL(rep.errors.size(), 1u);
  CAF_MESSAGE(rep.errors[0]);
  CAF_CHECK(rep.errors[0].find("c.json: invalid JSON at line 3, column 3")
            == 0);
}

CAF_TEST(every problem is reported at once) {
  auto rep = parse_config(R"({"capacity": "big", "socMethod": "avg",
    "exludedServices": [], "logLevel": 3, "primaryServices": {}})",
                          "c.json");
  std::vector<std::string> expected{
      "c.json: capacity: must be a number",
      "c.json: socMethod: must be one of weighted, mean, min",
      "c.json: exludedServices: unknown key",
      "c.json: logLevel: must be one of DEBUG, INFO, WARNING, ERROR",
      "c.json: primaryServices: is a key of the Python add-on that this "
      "version does not implement yet; remove it or use a later version",
  };
  CAF_CHECK_EQUAL(rep.errors, expected);
}

CAF_TEST(service names are checked) {
  auto rep = parse_config(R"({"serviceName": "com.victronenergy.solar.x"})",
                          "c.json");
  CAF_REQUIRE_EQUAL(rep.errors.size(), 1u);
  CAF_CHECK_EQUAL(rep.errors[0],
                  "c.json: serviceName: \"com.victronenergy.solar.x\" is not "
                  "com.victronenergy.battery.<suffix> with a suffix of "
                  "letters, digits and _");
  CAF_CHECK(
      !parse_config(R"({"serviceName": "com.victronenergy.battery.1x"})", "c")
           .ok());
  CAF_CHECK(!parse_config(R"({"excludedServices": [1]})", "c").ok());
}

CAF_TEST(a missing file means defaults) {
  auto rep = load_config("/nonexistent/dir/config.json");
  CAF_CHECK(rep.ok());
}

CAF_TEST(non objects are refused) {
  auto rep = parse_config("[]", "c.json");
  CAF_REQUIRE_EQUAL(rep.errors.size(), 1u);
  CAF_CHECK_EQUAL(rep.errors[0], "c.json: the config must be a JSON object");
}
