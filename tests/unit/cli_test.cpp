#define CAF_SUITE cli
#include <caf/test/unit_test.hpp>

#include "main/cli.hpp"

using namespace ba;

CAF_TEST(options take their value as the next argument or after =) {
  auto r = parse_cli({"--config", "/data/x.json", "--bus=unix:path=/tmp/b",
                      "--log-level", "debug"});
  CAF_CHECK_EQUAL(r.error, "");
  CAF_CHECK_EQUAL(r.opts.config_path, "/data/x.json");
  CAF_CHECK(r.opts.config_given);
  CAF_CHECK_EQUAL(r.opts.bus, "unix:path=/tmp/b");
  CAF_CHECK_EQUAL(r.opts.log_level, "debug");
}

CAF_TEST(defaults) {
  auto r = parse_cli({});
  CAF_CHECK_EQUAL(r.error, "");
  CAF_CHECK_EQUAL(r.opts.config_path,
                  "/data/setupOptions/BatteryAggregator/config.json");
  CAF_CHECK(!r.opts.check_config);
  CAF_CHECK_EQUAL(r.opts.bus, "");
}

CAF_TEST(check config with and without a path) {
  auto a = parse_cli({"--check-config"});
  CAF_CHECK(a.opts.check_config);
  CAF_CHECK(!a.opts.config_given);
  auto b = parse_cli({"--check-config", "/tmp/c.json"});
  CAF_CHECK(b.opts.check_config);
  CAF_CHECK_EQUAL(b.opts.config_path, "/tmp/c.json");
  auto c = parse_cli({"--check-config", "--version"});
  CAF_CHECK(c.opts.check_config);
  CAF_CHECK(c.opts.version);
}

CAF_TEST(errors name the option) {
  CAF_CHECK_EQUAL(parse_cli({"--config"}).error,
                  "option --config needs a value");
  CAF_CHECK_EQUAL(parse_cli({"--frobnicate"}).error,
                  "unknown option --frobnicate (see --help)");
  CAF_CHECK_EQUAL(parse_cli({"--bus", "--help"}).error,
                  "option --bus needs a value");
}

CAF_TEST(help and version) {
  CAF_CHECK(parse_cli({"--help"}).opts.help);
  CAF_CHECK(parse_cli({"-h"}).opts.help);
  CAF_CHECK(parse_cli({"--version"}).opts.version);
  CAF_CHECK(usage_text().find("--check-config") != std::string::npos);
}
