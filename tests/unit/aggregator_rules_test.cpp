#define CAF_SUITE aggregator_rules
#include <caf/test/unit_test.hpp>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "actors/aggregator.hpp"
#include "actors/health.hpp"
#include "actors/publisher.hpp"
#include "actors/rules/roles.hpp"
#include "actors/rules/source_table.hpp"
#include "actors/settings.hpp"
#include "actors/source.hpp"
#include "messages/path_table.hpp"
#include "messages/paths.hpp"
#include "tests/unit/rule_test_support.hpp"

using namespace ba;
using ba::test::absent;
using ba::test::at;
using ba::test::i;

namespace {

/// compute_bank over `members`, all online, with the given config.
value_map bank(const std::map<std::string, value_map>& members,
               const config& cfg) {
  std::map<std::string, bank_source> sources;
  for (auto& [service, values] : members)
    sources[service].values = values;
  bank_input in;
  for (auto& [service, src] : sources)
    if (offline_reason(src.values) == offline_cause::none)
      in.members.emplace(service, &src);
  bank_memory mem;
  return compute_bank(in, cfg, mem, nullptr);
}

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
  auto out = bank(members, cfg);
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
  auto out = bank({}, config{});
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
  auto out = bank(members, cfg);
  CAF_CHECK_EQUAL(out["/InstalledCapacity"], value::real(500));
  CAF_CHECK_EQUAL(out["/Soc"], value::real(50));
}

CAF_TEST(diagnostics follow decisions at once and readings every 5 s) {
  // Two members with charge limits: a (100 Ah, 50 A) limits the bank, b
  // (100 Ah, 80 A) does not.
  std::map<std::string, bank_source> sources;
  auto& a = sources["com.victronenergy.battery.a"];
  auto& b = sources["com.victronenergy.battery.b"];
  a.values = pack(52, 10, 80, 100);
  b.values = pack(52, 10, 80, 100);
  a.values["/Info/MaxChargeCurrent"] = value::real(50);
  b.values["/Info/MaxChargeCurrent"] = value::real(80);
  bank_input in;
  for (auto& [service, src] : sources)
    in.members.emplace(service, &src);
  config cfg;
  bank_memory mem;
  auto explanation = [&] {
    return compute_bank(in, cfg, mem, nullptr)["/System/LimitExplanation"].str;
  };
  auto first = explanation();
  CAF_CHECK_NOT_EQUAL(first.find("\"ownLimit\":80.0"), std::string::npos);
  // A reading that changes no decision: the text stays for up to 5 s.
  CAF_CHECK_EQUAL(diagnostics_refresh, std::chrono::seconds(5));
  b.values["/Info/MaxChargeCurrent"] = value::real(90);
  in.now += std::chrono::milliseconds(4999);
  CAF_CHECK_EQUAL(explanation(), first);
  in.now += std::chrono::milliseconds(1);
  auto second = explanation();
  CAF_CHECK_NOT_EQUAL(second.find("\"ownLimit\":90.0"), std::string::npos);
  // A new limit (b now limits the bank) is explained at once.
  b.values["/Info/MaxChargeCurrent"] = value::real(20);
  in.now += std::chrono::milliseconds(1);
  auto third = explanation();
  CAF_CHECK_NOT_EQUAL(third.find("\"limit\":40.0"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(third.find("\"ownLimit\":20.0"), std::string::npos);
  // A member leaving changes /System/Batteries at once.
  in.members.erase("com.victronenergy.battery.b");
  in.now += std::chrono::milliseconds(1);
  auto out = compute_bank(in, cfg, mem, nullptr);
  CAF_CHECK_EQUAL(out["/System/Batteries"],
                  value::text("[\"com.victronenergy.battery.a\"]"));
}

CAF_TEST(a source reports itself offline by Connected 0 or BmsCable 2) {
  CAF_CHECK_EQUAL(to_string(offline_reason({})), "");
  CAF_CHECK_EQUAL(
      to_string(offline_reason({{"/Connected", value::integer(1)}})), "");
  CAF_CHECK_EQUAL(to_string(offline_reason({{"/Connected", value::invalid()}})),
                  "");
  CAF_CHECK_EQUAL(
      to_string(offline_reason({{"/Connected", value::integer(0)}})),
      "/Connected 0");
  CAF_CHECK_EQUAL(to_string(offline_reason({{"/Connected", value::real(0.0)}})),
                  "/Connected 0");
  CAF_CHECK_EQUAL(
      to_string(offline_reason({{"/Alarms/BmsCable", value::integer(1)}})), "");
  CAF_CHECK_EQUAL(
      to_string(offline_reason({{"/Alarms/BmsCable", value::integer(2)}})),
      "/Alarms/BmsCable 2");
}

// A pack's cells are battery vocabulary; its own member pages (a parallel
// BMS as member publishes /Battery/<n>/...) are not, however many: the
// bound on unknown paths per source holds for them.
CAF_TEST(cells pass the bound on unknown paths and page paths do not ) {
  const std::string bat = "com.victronenergy.battery.lynx";
  source_table table;
  caf::actor_clock::time_point t0{std::chrono::seconds(100)};
  std::vector<std::string> warnings;
  value_map scan;
  for (int c = 1; c <= max_page_cells; ++c) {
    scan["/Voltages/Cell" + std::to_string(c)] = value::real(3.3);
    scan["/Temperatures/Cell" + std::to_string(c)] = value::real(20);
  }
  for (int n = 1; n <= 100; ++n)
    scan["/Battery/" + std::to_string(n) + "/Voltage"] = value::real(52);
  auto values = table.take_scan(bat, scan, t0, warnings);
  size_t cells = 0;
  size_t pages = 0;
  for (auto& [path, v] : values)
    (path.rfind("/Battery/", 0) == 0 ? pages : cells) += 1;
  CAF_CHECK_EQUAL(cells, 2u * max_page_cells);
  CAF_CHECK_EQUAL(pages, max_other_paths);
  CAF_CHECK_EQUAL(warnings.size(), 1u);
}

// The bank takes its sources' values straight from the bus (issue 13):
// the checks, bounds and change filter the source actor used to apply.
CAF_TEST(the table takes a scan and then only what changed) {
  const std::string bat = "com.victronenergy.battery.a";
  source_table table;
  caf::actor_clock::time_point t0{std::chrono::seconds(100)};
  std::vector<std::string> warnings;
  value_map changed;
  // Before its first scan nothing is kept: the scan brings everything.
  CAF_CHECK(table.take_changes(bat, {{"/Soc", value::real(50.0)}}, t0, changed,
                               warnings)
            == nullptr);
  CAF_CHECK(table.all().empty());
  value_map scan{{"/Soc", value::real(150.0)},
                 {"/Dc/0/Voltage", value::real(52.0)},
                 {"/Connected", value::integer(1)},
                 {"/" + std::string(max_path_bytes, 'x'), value::integer(1)}};
  auto values = table.take_scan(bat, scan, t0, warnings);
  CAF_CHECK_EQUAL(values.size(), 3u);
  CAF_CHECK(!values.at("/Soc").valid());
  CAF_REQUIRE_EQUAL(warnings.size(), 2u);
  CAF_CHECK_EQUAL(warnings[0], "com.victronenergy.battery.a /Soc: SoC 150 "
                               "outside 0..100 (ignored)");
  CAF_CHECK_EQUAL(warnings[1],
                  "com.victronenergy.battery.a: paths dropped (longer than "
                  "256 bytes, or more than 64 outside the battery "
                  "vocabulary), e.g. /"
                      + std::string(max_path_bytes, 'x'));
  auto& t = table.replace(bat, values, t0);
  CAF_CHECK(t.taking);
  CAF_CHECK_EQUAL(t.last_signal, t0);
  // Only what differs is kept as changed; a bad value is logged once.
  warnings.clear();
  auto t1 = t0 + std::chrono::seconds(1);
  auto* got = table.take_changes(bat,
                                 {{"/Dc/0/Voltage", value::real(52.0)},
                                  {"/Soc", value::real(150.0)},
                                  {"/Dc/0/Current", value::real(3.0)}},
                                 t1, changed, warnings);
  CAF_REQUIRE(got == &t);
  CAF_CHECK(warnings.empty());
  CAF_CHECK_EQUAL(changed, (value_map{{"/Dc/0/Current", value::real(3.0)}}));
  CAF_CHECK_EQUAL(t.src.values.at("/Dc/0/Current"), value::real(3.0));
  CAF_CHECK_EQUAL(t.last_signal, t1);
  // Its own values take it out: these still count, later ones wait for
  // its rescan, while the status paths are still followed.
  changed.clear();
  table.take_changes(
      bat,
      {{"/Connected", value::integer(0)}, {"/Dc/0/Current", value::real(4.0)}},
      t1, changed, warnings);
  CAF_CHECK_EQUAL(changed.size(), 2u);
  CAF_CHECK_EQUAL(to_string(offline_reason(t.status_values)), "/Connected 0");
  t.taking = false; // the bank does this as it tells the source actor
  changed.clear();
  table.take_changes(
      bat,
      {{"/Connected", value::integer(1)}, {"/Dc/0/Current", value::real(5.0)}},
      t1, changed, warnings);
  CAF_CHECK(changed.empty());
  CAF_CHECK_EQUAL(t.src.values.at("/Dc/0/Current"), value::real(4.0));
  CAF_CHECK_EQUAL(to_string(offline_reason(t.status_values)), "");
  // A scan that says it is out is not taken either.
  table.take_scan(bat, {{"/Alarms/BmsCable", value::integer(2)}}, t1, warnings);
  CAF_CHECK(!t.taking);
  CAF_CHECK_EQUAL(to_string(offline_reason(t.status_values)),
                  "/Alarms/BmsCable 2");
}

CAF_TEST(a source counts while online or inside its grace) {
  tracked_source t;
  CAF_CHECK(!counts(t)); // no state yet: still being scanned
  t.has_status = true;
  t.status = member_status::online;
  CAF_CHECK(counts(t));
  t.status = member_status::stale;
  CAF_CHECK(counts(t));
  t.expired = true;
  CAF_CHECK(!counts(t));
  t.status = member_status::lost;
  CAF_CHECK(!counts(t));
}

CAF_TEST(roster paths BmsCable and ParallelBmsLost) {
  struct row {
    const char* what;
    std::set<std::string> roster;
    std::set<std::string> counting;
    bool startup_done;
    bool cable_when_missing; // bmsCableWhenMissing
    value own_cable;         // the members' own max, `none` when none has it
    value own_lost;
    value known;
    value missing;
    value cable;
    value lost;
  };
  // Not in the map: a member alarm nobody has, an output path not written.
  const value none = absent;
  std::vector<row> rows{
      {"all there",
       {"a", "b"},
       {"a", "b"},
       true,
       false,
       i(0),
       none,
       i(2),
       value::text("[]"),
       i(0),
       i(0)},
      {"all there and no alarm published",
       {"a"},
       {"a"},
       true,
       false,
       none,
       none,
       i(1),
       value::text("[]"),
       none,
       i(0)},
      {"one missing: ParallelBmsLost, not BmsCable",
       {"a", "b"},
       {"a"},
       true,
       false,
       i(0),
       none,
       i(2),
       value::text("[\"b\"]"),
       i(0),
       i(2)},
      {"one missing, no member has BmsCable",
       {"a", "b"},
       {"a"},
       true,
       false,
       none,
       none,
       i(2),
       value::text("[\"b\"]"),
       none,
       i(2)},
      {"one missing with bmsCableWhenMissing",
       {"a", "b"},
       {"a"},
       true,
       true,
       i(0),
       none,
       i(2),
       value::text("[\"b\"]"),
       i(1),
       i(2)},
      {"one missing with bmsCableWhenMissing, a member alarm 2 stays",
       {"a", "b"},
       {"a"},
       true,
       true,
       i(2),
       none,
       i(2),
       value::text("[\"b\"]"),
       i(2),
       i(2)},
      {"a member's own ParallelBmsLost shows while all are there",
       {"a"},
       {"a"},
       true,
       false,
       none,
       i(1),
       i(1),
       value::text("[]"),
       none,
       i(1)},
      {"a member's own ParallelBmsLost 2 stays",
       {"a"},
       {"a"},
       true,
       false,
       none,
       i(2),
       i(1),
       value::text("[]"),
       none,
       i(2)},
      {"none left",
       {"a", "b"},
       {},
       true,
       false,
       none,
       none,
       i(2),
       value::text("[\"a\",\"b\"]"),
       i(2),
       i(2)},
      {"none ever after the wait",
       {},
       {},
       true,
       false,
       none,
       none,
       i(0),
       value::text("[]"),
       i(2),
       i(0)},
      {"none yet during the wait",
       {},
       {},
       false,
       false,
       none,
       none,
       i(0),
       value::text("[]"),
       none,
       i(0)},
  };
  for (auto& r : rows) {
    CAF_MESSAGE(r.what);
    value_map out;
    if (r.own_cable != none)
      out["/Alarms/BmsCable"] = r.own_cable;
    if (r.own_lost != none)
      out["/Alarms/ParallelBmsLost"] = r.own_lost;
    apply_roster(r.roster, r.counting, r.startup_done, r.cable_when_missing,
                 out);
    CAF_CHECK_EQUAL(out["/System/NrOfBatteriesKnown"], r.known);
    CAF_CHECK_EQUAL(out["/System/MissingBatteries"], r.missing);
    CAF_CHECK_EQUAL(at(out, "/Alarms/BmsCable"), r.cable);
    CAF_CHECK_EQUAL(at(out, "/Alarms/ParallelBmsLost"), r.lost);
  }
}

CAF_TEST(roles match exact names only) {
  config cfg;
  cfg.excluded_services = {"com.victronenergy.battery.ttyUSB1"};
  std::set<std::string> own{"com.victronenergy.battery.aggregator"};
  auto role = [&](const char* service, const char* name = "") {
    return classify(service, name, cfg, own).role;
  };
  CAF_CHECK(role("com.victronenergy.battery.ttyUSB1") == source_role::excluded);
  // The Python add-on matched prefixes: ttyUSB10 was excluded too.
  CAF_CHECK(role("com.victronenergy.battery.ttyUSB10") == source_role::member);
  CAF_CHECK(role("com.victronenergy.battery.aggregator") == source_role::own);
  CAF_CHECK(role("com.victronenergy.battery.aggregator2")
            == source_role::member);
  CAF_CHECK(role("com.victronenergy.solarcharger.ttyO1") == source_role::other);
  CAF_CHECK(role("com.victronenergy.batteryx") == source_role::other);
}

CAF_TEST(name aliases follow the custom name) {
  config cfg;
  cfg.primary_services = {source_ref{"name:Shunt", {"/Soc"}, false}};
  cfg.excluded_services = {"name:Spare"};
  std::set<std::string> own;
  auto cls = [&](const char* service, const char* name) {
    return classify(service, name, cfg, own);
  };
  CAF_CHECK(cls("com.victronenergy.battery.ttyUSB3", "Shunt").role
            == source_role::primary);
  CAF_CHECK(cls("com.victronenergy.battery.ttyUSB4", "Shunt").role
            == source_role::primary);
  CAF_CHECK(cls("com.victronenergy.battery.ttyUSB3", "Pack 1").role
            == source_role::member);
  CAF_CHECK(cls("com.victronenergy.battery.ttyUSB3", "").role
            == source_role::member);
  CAF_CHECK(cls("com.victronenergy.battery.ttyUSB5", "Spare").role
            == source_role::excluded);
  CAF_CHECK(!names_source("name:", "com.victronenergy.battery.x", ""));
}

CAF_TEST(primary and auxiliary win over excluded) {
  config cfg;
  cfg.primary_services = {source_ref{"com.victronenergy.battery.a", {}, true}};
  cfg.auxiliary_services
      = {source_ref{"com.victronenergy.battery.b", {}, true}};
  cfg.excluded_services
      = {"com.victronenergy.battery.a", "com.victronenergy.battery.b"};
  std::set<std::string> own;
  CAF_CHECK(classify("com.victronenergy.battery.a", "", cfg, own).role
            == source_role::primary);
  auto b = classify("com.victronenergy.battery.b", "", cfg, own);
  CAF_CHECK(b.role == source_role::auxiliary);
  CAF_CHECK_EQUAL(b.index, 0u);
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
  CAF_CHECK_EQUAL(paths::class_and_vrm_instance_setting("BatteryAggregator"),
                  "/Settings/Devices/BatteryAggregator/ClassAndVrmInstance");
  CAF_CHECK_EQUAL(paths::custom_name_setting("aggregator"),
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
  health_summary s;
  s.members_online = 2;
  s.members_total = 3;
  s.updates = 120;
  s.signals = 40;
  s.restarts = 1;
  CAF_CHECK_EQUAL(summary_line(s, 60),
                  "2/3 members online, 120 updates received and 40 signals "
                  "published in the last 60 s, 1 actor restarts");
  s.quiet = {"com.victronenergy.battery.a (31 s)"};
  s.silent = {"publisher"};
  CAF_CHECK_EQUAL(summary_line(s, 60),
                  "2/3 members online, 120 updates received and 40 signals "
                  "published in the last 60 s, 1 actor restarts; quiet: "
                  "com.victronenergy.battery.a (31 s); no answer from: "
                  "publisher");
  CAF_CHECK_EQUAL(counter_delta(150, 100), 50u);
  CAF_CHECK_EQUAL(counter_delta(7, 100), 7u); // restarted: counts from 0
}
