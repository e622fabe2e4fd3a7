// Sources end to end: hot-plug, legacy and PropertiesChanged-only sources,
// odd wire types, /Connected, invalid values, start-up without batteries,
// shutdown and the command line (product.md §1, §2.1, §5, §6;
// venus-dbus.md §8.4 item 8).

#define CAF_SUITE sources
#include <caf/test/unit_test.hpp>

#include "tests/integration/polling.hpp"
#include "tests/integration/scenario.hpp"

#include <algorithm>
#include <cctype>
#include <csignal>
#include <string>
#include <vector>

using namespace ba::test;

namespace {

const std::string agg = aggregator_name;
const std::string bat_a = "com.victronenergy.battery.src_a";
const std::string bat_b = "com.victronenergy.battery.src_b";
const std::string bat_c = "com.victronenergy.battery.src_c";

/// A member with a given current (and defaults for the rest).
std::vector<std::string> with_current(const std::string& spec) {
  return set_args({{"/Dc/0/Current", spec}});
}

bool has_digit(const std::string& text) {
  return std::any_of(text.begin(), text.end(), [](char ch) {
    return std::isdigit(static_cast<unsigned char>(ch)) != 0;
  });
}

/// SIGTERM or SIGINT: the name goes and the process exits 0, both within
/// 2 s (product.md §5).
void check_clean_shutdown(scenario& s, int sig) {
  auto& c = s.client();
  s.start_battery(bat_a, with_current("d:-5"));
  auto& daemon = start_aggregator(s, quick_config);
  require_bank(c, 1, -5.0);
  auto mark = c.mark();
  auto sent = clock_type::now();
  daemon.signal(sig);
  auto code = daemon.wait_exit(eventually);
  BA_REQUIRE(code.has_value());
  CAF_CHECK_EQUAL(*code, 0);
  CAF_CHECK_LESS(ms_between(sent, daemon.exited_at()), 2000.0);
  auto released = c.wait_for_owner_change(
      agg, [](const owner_change& oc) { return oc.new_owner.empty(); },
      eventually, mark);
  BA_REQUIRE(released.has_value());
  CAF_MESSAGE("signal " << sig << ": name released after "
                        << ms_between(sent, released->at) << " ms, exit after "
                        << ms_between(sent, daemon.exited_at()) << " ms");
  CAF_CHECK_LESS(ms_between(sent, released->at), 2000.0);
}

} // namespace

CAF_TEST(a battery that appears later is merged within one second) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    s.start_battery(bat_a, with_current("d:-5"));
    start_aggregator(s, quick_config);
    require_bank(c, 1, -5.0);

    auto mark = c.mark();
    s.start_battery(bat_b, with_current("d:-7"));
    // The double owns its name only once every value is exported, so its
    // NameOwnerChanged is the moment its first values exist.
    auto appeared = c.wait_for_owner_change(
        bat_b, [](const owner_change& oc) { return !oc.new_owner.empty(); },
        eventually, mark);
    BA_REQUIRE(appeared.has_value());
    auto counted = c.wait_for_items_changed(
        agg,
        [](const recorded_signal& r) {
          return r.value("/System/NrOfBatteries") == wire_value::int32(2);
        },
        eventually, mark);
    auto summed = c.wait_for_items_changed(
        agg,
        [](const recorded_signal& r) {
          return close_to_d{}(r.value("/Dc/0/Current"), -12.0);
        },
        eventually, mark);
    BA_REQUIRE(counted.has_value());
    BA_REQUIRE(summed.has_value());
    auto merged_at = std::max(counted->at, summed->at);
    auto merge_ms = ms_between(appeared->at, merged_at);
    CAF_MESSAGE("merged " << merge_ms << " ms after the source appeared");
    CAF_CHECK_LESS(merge_ms, 1000.0);
    CAF_CHECK_EQUAL(c.get_value(agg, "/System/NrOfBatteries"),
                    wire_value::int32(2));
    BA_CHECK_D(c.get_value(agg, "/Dc/0/Current"), -12.0);
  });
}

CAF_TEST(a battery that leaves is dropped) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    s.start_battery(bat_a, with_current("d:-5"));
    auto& quitter = s.start_battery(bat_b, with_current("d:-7"));
    auto& vanisher = s.start_battery(bat_c, with_current("d:-11"));
    auto& daemon = start_aggregator(s, quick_config);
    require_bank(c, 3, -23.0);

    // Quit: the process ends and its name goes.
    c.sim_quit(bat_b);
    CAF_CHECK_EQUAL(quitter.wait_exit(eventually), std::optional<int>{0});
    require_bank(c, 2, -16.0);

    // ReleaseName: the connection stays, only the name goes.
    c.sim_release_name(bat_c);
    require_bank(c, 1, -5.0);
    CAF_CHECK(vanisher.running());
    CAF_CHECK(daemon.running());
    CAF_CHECK(c.name_has_owner(agg));
  });
}

CAF_TEST(a legacy source without GetItems is followed) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    // A pre-2021 velib service: no GetItems, PropertiesChanged only.
    s.start_battery(bat_a, {"--legacy", "--signals", "properties", "--set",
                            "/Dc/0/Current=d:-4", "--set", "/Soc=d:70"});
    CAF_CHECK_EQUAL(bus_client::call_error([&] { c.get_items(bat_a); }),
                    "org.freedesktop.DBus.Error.UnknownMethod");
    start_aggregator(s, quick_config);
    require_bank(c, 1, -4.0);
    BA_CHECK_D(poll_value(c, agg, "/Soc", near_d(70.0)), 70.0);
    BA_REQUIRE_EQUAL(
        c.sim_set_items(bat_a, {{"/Dc/0/Current", wire_value::dbl(-9)},
                                {"/Soc", wire_value::dbl(65)}}),
        0);
    BA_CHECK_D(poll_value(c, agg, "/Dc/0/Current", near_d(-9.0)), -9.0);
    BA_CHECK_D(poll_value(c, agg, "/Soc", near_d(65.0)), 65.0);
  });
}

CAF_TEST(a source that sends only PropertiesChanged is followed) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    s.start_battery(bat_a,
                    {"--signals", "properties", "--set", "/Dc/0/Current=d:-3"});
    start_aggregator(s, quick_config);
    require_bank(c, 1, -3.0);
    auto mark = c.mark();
    BA_REQUIRE_EQUAL(
        c.sim_set_items(bat_a, {{"/Dc/0/Current", wire_value::dbl(-8)}}), 0);
    // The double really did send PropertiesChanged only.
    CAF_CHECK(wait_until(
        [&] { return !c.properties_changed_from(bat_a, mark).empty(); },
        eventually));
    CAF_CHECK(c.items_changed_from(bat_a, mark).empty());
    BA_CHECK_D(poll_value(c, agg, "/Dc/0/Current", near_d(-8.0)), -8.0);
  });
}

CAF_TEST(odd integer wire types are read as numbers) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    s.start_battery(bat_a,
                    set_args({{"/Soc", "u:55"}, {"/Dc/0/Current", "i:-7"}}));
    start_aggregator(s, quick_config);
    require_bank(c, 1, -7.0);
    auto soc = poll_value(c, agg, "/Soc", near_d(55.0));
    BA_CHECK_D(soc, 55.0);
    // Published as `d` whatever the source used.
    CAF_CHECK_EQUAL(c.get_value(agg, "/Dc/0/Current").signature, "d");
  });
}

CAF_TEST(a source with Connected 0 is not counted) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    s.start_battery(bat_a, with_current("d:-5"));
    s.start_battery(
        bat_b, set_args({{"/Dc/0/Current", "d:-7"}, {"/Connected", "i:0"}}));
    start_aggregator(s, quick_config);
    require_bank(c, 1, -5.0);
    CAF_CHECK(holds_for(
        [&] {
          return c.get_value(agg, "/System/NrOfBatteries")
                 == wire_value::int32(1);
        },
        500ms));
    // Connects: counted; disconnects again: dropped.
    BA_REQUIRE_EQUAL(
        c.sim_set_items(bat_b, {{"/Connected", wire_value::int32(1)}}), 0);
    require_bank(c, 2, -12.0);
    BA_REQUIRE_EQUAL(
        c.sim_set_items(bat_b, {{"/Connected", wire_value::int32(0)}}), 0);
    require_bank(c, 1, -5.0);
  });
}

CAF_TEST(an invalid voltage is skipped and never published as 0) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    s.start_battery(bat_a, set_args({{"/Dc/0/Voltage", "d:52"},
                                     {"/Dc/0/Current", "d:-5"}}));
    s.start_battery(bat_b, set_args({{"/Dc/0/Voltage", "null"},
                                     {"/Dc/0/Current", "d:-7"}}));
    auto& daemon = start_aggregator(s, quick_config);
    require_bank(c, 2, -12.0);
    // The mean over the members that have a voltage.
    BA_CHECK_D(poll_value(c, agg, "/Dc/0/Voltage", near_d(52.0)), 52.0);

    // The only member left has no voltage: invalid, not 0.
    c.sim_quit(bat_a);
    require_bank(c, 1, -7.0);
    auto voltage = poll_value(c, agg, "/Dc/0/Voltage",
                              [](const wire_value& v) { return !v.valid(); });
    CAF_CHECK_EQUAL(voltage, wire_value::invalid("ai"));
    CAF_CHECK_EQUAL(c.get_text(agg, "/Dc/0/Voltage"), "---");
    CAF_CHECK(daemon.running());
  });
}

CAF_TEST(start up without batteries claims the name after the wait) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    auto mark = c.mark();
    auto& daemon = s.start_daemon(quick_config); // startupBatteryWait 1
    auto claimed = c.wait_for_owner_change(
        agg, [](const owner_change& oc) { return !oc.new_owner.empty(); }, 10s,
        mark);
    BA_REQUIRE(claimed.has_value());
    auto after_ms = ms_between(daemon.started_at(), claimed->at);
    CAF_MESSAGE("name claimed " << after_ms << " ms after start");
    // No member can deliver data, so the full second must pass first; the
    // upper bound only allows for a slow start of the process.
    CAF_CHECK_GREATER_OR_EQUAL(after_ms, 950.0);
    CAF_CHECK_LESS(after_ms, 3500.0);
    auto items = c.get_items(agg);
    for (const auto& path : {"/Dc/0/Voltage", "/Dc/0/Current", "/Dc/0/Power",
                             "/Soc", "/TimeToGo"}) {
      CAF_CHECK_EQUAL(items.count(path), 1u);
      CAF_CHECK_EQUAL(items[path].first, wire_value::invalid("ai"));
    }
    CAF_CHECK_EQUAL(items["/Connected"].first, wire_value::int32(1));
    CAF_CHECK_EQUAL(items["/System/NrOfBatteries"].first, wire_value::int32(0));
    CAF_CHECK_EQUAL(items["/DeviceInstance"].first.signature, "i");
    CAF_CHECK(daemon.running());
  });
}

CAF_TEST(termination signals release the name and exit 0) {
  run_scenario([](scenario& s) { check_clean_shutdown(s, SIGTERM); });
  run_scenario([](scenario& s) { check_clean_shutdown(s, SIGINT); });
}

CAF_TEST(version and help exit 0) {
  run_scenario([](scenario& s) {
    auto& version = s.run_daemon_cli({"--version"});
    CAF_CHECK_EQUAL(version.wait_exit(eventually), std::optional<int>{0});
    CAF_CHECK(has_digit(version.output()));
    auto& help = s.run_daemon_cli({"--help"});
    CAF_CHECK_EQUAL(help.wait_exit(eventually), std::optional<int>{0});
    CAF_CHECK(help.output().find("--config") != std::string::npos);
    // Neither touches the bus.
    CAF_CHECK(!s.client().name_has_owner(agg));
  });
}
