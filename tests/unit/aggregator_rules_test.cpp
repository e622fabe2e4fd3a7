#define CAF_SUITE aggregator_rules
#include <caf/test/unit_test.hpp>

#include <map>
#include <set>
#include <string>

#include "actors/aggregator.hpp"
#include "actors/discovery.hpp"
#include "actors/health.hpp"
#include "actors/publisher.hpp"
#include "actors/settings.hpp"

using namespace ba;

namespace {

value_map pack(double v, double i, double soc, double cap) {
  return {{"/Dc/0/Voltage", value::real(v)},
          {"/Dc/0/Current", value::real(i)},
          {"/Soc", value::real(soc)},
          {"/InstalledCapacity", value::real(cap)},
          {"/Connected", value::integer(1)}};
}

} // namespace

CAF_TEST(the bank counts online members only) {
  std::map<std::string, value_map> members{
      {"com.victronenergy.battery.a", pack(52, 10, 80, 100)},
      {"com.victronenergy.battery.b", pack(53, 20, 50, 200)},
      {"com.victronenergy.battery.c", pack(40, 99, 1, 100)},
  };
  members["com.victronenergy.battery.c"]["/Connected"] = value::integer(0);
  config cfg;
  auto out = compute_bank(members, cfg);
  CAF_CHECK_EQUAL(out["/Dc/0/Voltage"], value::real(52.5));
  CAF_CHECK_EQUAL(out["/Dc/0/Current"], value::real(30));
  CAF_CHECK_EQUAL(out["/Soc"], value::real(60));
  CAF_CHECK_EQUAL(out["/InstalledCapacity"], value::real(300));
  CAF_CHECK_EQUAL(out["/System/NrOfBatteries"], value::integer(2));
  CAF_CHECK_EQUAL(out["/System/Batteries"],
                  value::text("[\"com.victronenergy.battery.a\","
                              "\"com.victronenergy.battery.b\"]"));
}

CAF_TEST(an empty bank is invalid and never zero) {
  auto out = compute_bank({}, config{});
  for (auto* p : {"/Dc/0/Voltage", "/Dc/0/Current", "/Dc/0/Power", "/Soc",
                  "/Soh", "/Capacity", "/InstalledCapacity", "/TimeToGo",
                  "/ConsumedAmphours", "/Dc/0/Temperature"}) {
    CAF_MESSAGE(p);
    CAF_CHECK(!out[p].valid());
  }
  CAF_CHECK_EQUAL(out["/System/NrOfBatteries"], value::integer(0));
  CAF_CHECK_EQUAL(out["/System/Batteries"], value::text("[]"));
}

CAF_TEST(config capacity and socMethod reach the rules) {
  std::map<std::string, value_map> members{
      {"com.victronenergy.battery.a", pack(52, 10, 80, 100)},
      {"com.victronenergy.battery.b", pack(53, 20, 50, 200)},
  };
  config cfg;
  cfg.capacity = 500;
  cfg.soc = soc_method::min;
  auto out = compute_bank(members, cfg);
  CAF_CHECK_EQUAL(out["/InstalledCapacity"], value::real(500));
  CAF_CHECK_EQUAL(out["/Soc"], value::real(50));
}

CAF_TEST(member online by Connected) {
  CAF_CHECK(member_online({}));
  CAF_CHECK(member_online({{"/Connected", value::integer(1)}}));
  CAF_CHECK(member_online({{"/Connected", value::invalid()}}));
  CAF_CHECK(!member_online({{"/Connected", value::integer(0)}}));
  CAF_CHECK(!member_online({{"/Connected", value::real(0.0)}}));
}

CAF_TEST(roles match exact names only) {
  config cfg;
  cfg.excluded_services = {"com.victronenergy.battery.ttyUSB1"};
  std::set<std::string> own{"com.victronenergy.battery.aggregator"};
  CAF_CHECK(role_of("com.victronenergy.battery.ttyUSB1", cfg, own)
            == source_role::excluded);
  // The Python add-on matched prefixes: ttyUSB10 was excluded too.
  CAF_CHECK(role_of("com.victronenergy.battery.ttyUSB10", cfg, own)
            == source_role::member);
  CAF_CHECK(role_of("com.victronenergy.battery.aggregator", cfg, own)
            == source_role::own);
  CAF_CHECK(role_of("com.victronenergy.battery.aggregator2", cfg, own)
            == source_role::member);
  CAF_CHECK(role_of("com.victronenergy.solarcharger.ttyO1", cfg, own)
            == source_role::other);
  CAF_CHECK(role_of("com.victronenergy.batteryx", cfg, own)
            == source_role::other);
}

CAF_TEST(class and instance parsing) {
  // Through a plain int: g++ 12 warns about caf::optional temporaries
  // inside CAF_CHECK_EQUAL.
  auto inst = [](const char* text) {
    auto x = parse_class_and_instance(text);
    return x ? *x : -99;
  };
  CAF_CHECK_EQUAL(inst("battery:1024"), 1024);
  CAF_CHECK_EQUAL(inst("battery:0"), 0);
  CAF_CHECK(!parse_class_and_instance("battery"));
  CAF_CHECK(!parse_class_and_instance("battery:"));
  CAF_CHECK(!parse_class_and_instance("battery:3.5"));
  CAF_CHECK(!parse_class_and_instance("battery:-1"));
  CAF_CHECK(!parse_class_and_instance("battery:99999999999"));
  CAF_CHECK_EQUAL(instance_setting_path("BatteryAggregator"),
                  "/Settings/Devices/BatteryAggregator/ClassAndVrmInstance");
  CAF_CHECK_EQUAL(custom_name_setting_path("aggregator"),
                  "/Settings/Battery/aggregator/CustomName");
}

CAF_TEST(identity paths) {
  auto id = identity_values("com.victronenergy.battery.aggregator",
                            "Battery Aggregator");
  CAF_CHECK_EQUAL(id["/Mgmt/Connection"], value::text("Virtual"));
  CAF_CHECK_EQUAL(id["/ProductId"], value::integer(0));
  CAF_CHECK_EQUAL(id["/ProductName"], value::text("Battery Aggregator"));
  CAF_CHECK_EQUAL(id["/Serial"], value::text("aggregator"));
  CAF_CHECK_EQUAL(id["/Connected"], value::integer(1));
  CAF_CHECK_EQUAL(id["/CustomName"], value::text(""));
  CAF_CHECK_EQUAL(id["/Mgmt/ProcessVersion"], id["/FirmwareVersion"]);
  CAF_CHECK_EQUAL(id.count("/DeviceInstance"), 0u);
}

CAF_TEST(registration waits for a valid measurement) {
  CAF_CHECK(!has_valid_measurement({}));
  CAF_CHECK(!has_valid_measurement({{"/Dc/0/Voltage", value::invalid()}}));
  CAF_CHECK(!has_valid_measurement({{"/Dc/0/Power", value::real(5)}}));
  CAF_CHECK(has_valid_measurement({{"/Soc", value::real(0)}}));
  CAF_CHECK(has_valid_measurement({{"/Dc/0/Voltage", value::real(52)}}));
}

CAF_TEST(health summary line) {
  health_stats s;
  s.members_online = 2;
  s.members_total = 3;
  s.updates = 120;
  CAF_CHECK_EQUAL(summary_line(s, 40),
                  "2/3 members online, 120 updates received, "
                  "40 signals published");
}
