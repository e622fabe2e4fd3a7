// The config file end to end (product.md §1, §4, §4.1): the Python
// add-on's README examples pass --check-config and run unchanged on a
// private bus, bad files are refused with their report, names match
// exactly, `name:` entries follow the /CustomName across bus names, and a
// hangup signal re-reads the file without the service leaving the bus.

#define CAF_SUITE config
#include <caf/test/unit_test.hpp>

#include "tests/integration/polling.hpp"
#include "tests/integration/scenario.hpp"
#include "tests/integration/text.hpp"

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

using namespace ba::test;

namespace {

const std::string agg = aggregator_name;
const std::string prefix = "com.victronenergy.battery.";

std::vector<std::string> current_args(double current) {
  return set_args({{"/Dc/0/Current", d_arg(current)}});
}

// -- checks
// ---------------------------------------------------------------------

/// The main bank: `n` members whose currents sum to `current`, listed as
/// `members`.
void check_bank(bus_client& c, int32_t n, double current,
                const std::vector<std::string>& members) {
  check_count(c, agg, n);
  check_d(c, agg, "/Dc/0/Current", current);
  check_batteries(c, agg, members);
}

/// For "must not happen" properties: the bank stays at `n` members and
/// `current` for `duration` (the spec merges a new source within one
/// publish cycle; a whole second is what a loaded CI machine can promise).
bool bank_holds(bus_client& c, int32_t n, double current,
                clock_type::duration duration = 1500ms) {
  return holds_for(
      [&] {
        return c.get_value(agg, "/System/NrOfBatteries") == wire_value::int32(n)
               && close_to_d{}(c.get_value(agg, "/Dc/0/Current"), current);
      },
      duration);
}

// -- config files and reload
// ---------------------------------------------------

/// Replaces the daemon's config file (`--config PATH`, argv[2]) by
/// writing a sibling and renaming it over, as an editor saves: the daemon
/// can never read half a file.
void rewrite_config(child_process& daemon, const std::string& json) {
  const auto& argv = daemon.argv();
  BA_REQUIRE(argv.size() > 2 && argv[1] == "--config");
  auto tmp = argv[2] + ".new";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << json;
    out.close();
    BA_REQUIRE(!out.fail());
  }
  BA_REQUIRE(std::rename(tmp.c_str(), argv[2].c_str()) == 0);
}

/// Sends the hangup signal and waits for the daemon to log one more line
/// containing `marker` than before (a test may reload several times).
bool reload(child_process& daemon, const std::string& marker) {
  auto before = count_occurrences(daemon.log(), marker);
  daemon.signal(SIGHUP);
  bool seen = wait_until(
      [&] { return count_occurrences(daemon.log(), marker) > before; },
      eventually, 20ms);
  if (!seen)
    CAF_MESSAGE("no new '" << marker << "' in the daemon's log");
  return seen;
}

const std::string reloaded = "reloaded ";
const std::string rejected = "reload rejected";

// -- --check-config
// ------------------------------------------------------------

struct cli_result {
  int code = -1;
  std::string err;
};

/// Writes `json` to `<scenario dir>/<name>.json`; returns the path.
std::string write_config_file(scenario& s, const std::string& name,
                              const std::string& json) {
  auto path = s.dir() + "/" + name + ".json";
  std::ofstream out(path, std::ios::trunc);
  out << json;
  out.close();
  BA_REQUIRE(!out.fail());
  return path;
}

cli_result check_config(scenario& s, const std::string& file) {
  auto& proc = s.run_daemon_cli({"--check-config", file});
  auto code = proc.wait_exit(10s);
  if (!code)
    proc.kill();
  return {code.value_or(-1), proc.log()};
}

/// Every example of product.md §4.1, as the Python add-on's README wrote
/// them, plus the hook example of §3.
const std::vector<std::pair<std::string, std::string>> readme_examples{
    {"exclude_shunt",
     R"({ "excludedServices": ["com.victronenergy.battery.ttyS1"] })"},
    {"primary_soc_spelt_SoC",
     R"({ "primaryServices": {"com.victronenergy.battery.ttyS5": ["/SoC"]} })"},
    {"two_virtual_batteries", R"({ "virtualBatteries": {
    "com.victronenergy.battery.virtual1": ["com.victronenergy.battery.ttyS6", "com.victronenergy.battery.ttyUSB0"],
    "com.victronenergy.battery.virtual2": ["com.victronenergy.battery.ttyS7", "com.victronenergy.battery.ttyUSB1"] } })"},
    {"auxiliary_list",
     R"({"auxiliaryServices": ["com.victronenergy.battery.defaultMetadata", "com.victronenergy.battery.leastPrecedence"]})"},
    {"auxiliary_location",
     R"({"auxiliaryServices": {"com.victronenergy.battery.dev1": ["/Info/Location"]}})"},
    {"primary_two",
     R"({"primaryServices": {"com.victronenergy.battery.ttyS5": ["/Soc"], "com.victronenergy.battery.leastPrecedence": ["/Dc/0/Current"]}})"},
    {"capacity", R"({"capacity": 200})"},
    {"virtual_object_form",
     R"({"virtualBatteries": {"com.victronenergy.battery.virtual1": {"com.victronenergy.battery.ttyS6": ["/Soc"], "com.victronenergy.battery.ttyUSB0": []}}})"},
    {"charging_hook",
     R"({"virtualBatteries": {"com.victronenergy.battery.v1": ["class:hooks.CustomChargingHook", "com.victronenergy.battery.ttyUSB0"]}, "classes": {"hooks.CustomChargingHook": {"ccls": {"12": 10, "13": 15}}}})"},
};

struct bad_example {
  std::string name;
  std::string json;
  /// Must appear in the report (after the file name): the location and
  /// what the README promises to say there.
  std::vector<std::string> says;
};

const std::vector<bad_example> bad_examples{
    {"misspelt_key",
     R"({"exludedServices": ["com.victronenergy.battery.ttyS1"]})",
     {"exludedServices: unknown key", R"(did you mean "excludedServices"?)"}},
    {"bad_json",
     "{\"capacity\": 200,\n  oops: 1}",
     {"line 2, column 3: invalid JSON"}},
    {"unknown_mode",
     R"({"cvlMode": "max_allways"})",
     {"cvlMode:", R"(did you mean "max_always"?)"}},
    {"hook_without_classes",
     R"({"virtualBatteries": {"com.victronenergy.battery.v1": ["class:hooks.CustomChargingHook", "com.victronenergy.battery.ttyUSB0"]}})",
     {"virtualBatteries", "hooks.CustomChargingHook"}},
    {"virtual_cycle",
     R"({"virtualBatteries": {"com.victronenergy.battery.v1": ["com.victronenergy.battery.v2"], "com.victronenergy.battery.v2": ["com.victronenergy.battery.v1"]}})",
     {"virtualBatteries"}},
    {"two_roles",
     R"({"excludedServices": ["com.victronenergy.battery.ttyUSB0"], "virtualBatteries": {"com.victronenergy.battery.v1": ["com.victronenergy.battery.ttyUSB0"]}})",
     {"com.victronenergy.battery.ttyUSB0"}},
    {"not_a_battery",
     R"({"excludedServices": ["com.victronenergy.solarcharger.ttyS1"]})",
     {"excludedServices[0]"}},
    {"wrong_type", R"({"capacity": "200"})", {"capacity:"}},
};

} // namespace

CAF_TEST(the README examples pass check config) {
  run_scenario([](scenario& s) {
    for (auto& [name, json] : readme_examples) {
      auto file = write_config_file(s, name, json);
      auto r = check_config(s, file);
      CAF_MESSAGE(name << ": exit " << r.code);
      CAF_CHECK_EQUAL(name + ": " + std::to_string(r.code), name + ": 0");
      CAF_CHECK_EQUAL(count_occurrences(r.err, "error:"), 0u);
      if (r.code != 0 || r.err.find("error:") != std::string::npos)
        CAF_MESSAGE(name << " report:\n" << r.err);
      if (name == "primary_soc_spelt_SoC")
        // Taken as /Soc, with a warning naming the canonical spelling.
        CAF_CHECK(r.err.find(R"("/SoC" taken as "/Soc")") != std::string::npos);
    }
  });
}

CAF_TEST(bad config files fail check config with a report) {
  run_scenario([](scenario& s) {
    for (auto& bad : bad_examples) {
      auto file = write_config_file(s, bad.name, bad.json);
      auto r = check_config(s, file);
      CAF_MESSAGE(bad.name << ": exit " << r.code << ", report:\n" << r.err);
      CAF_CHECK_NOT_EQUAL(r.code, 0);
      CAF_CHECK_NOT_EQUAL(r.code, -1); // exited by itself
      // `error: <file>: <location>: <message>` on stderr.
      CAF_CHECK(r.err.find("error: " + file + ": ") != std::string::npos);
      for (auto& text : bad.says) {
        CAF_CHECK(r.err.find(text) != std::string::npos);
        if (r.err.find(text) == std::string::npos)
          CAF_MESSAGE(bad.name << ": report lacks '" << text << "'");
      }
    }
  });
}

// §4.1 example 1: the shunt measures the whole bank's current; excluded, it
// is not added on top of its batteries'.
CAF_TEST(example one excludes a shunt) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    const std::string shunt = prefix + "ttyS1";
    const std::string usb0 = prefix + "ttyUSB0";
    const std::string usb1 = prefix + "ttyUSB1";
    s.start_battery(usb0, current_args(-10));
    s.start_battery(usb1, current_args(-6));
    s.start_battery(shunt, current_args(-16));
    start_aggregator(s, with_quick_keys(readme_examples[0].second));
    check_bank(c, 2, -16, {usb0, usb1});
    CAF_CHECK(bank_holds(c, 2, -16));
  });
}

// §4.1 example 2, written `/SoC`: the shunt's SoC overrides the aggregate's,
// the shunt is not a member (its current is not in the sum).
CAF_TEST(example two takes the SoC from a primary shunt) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    const std::string shunt = prefix + "ttyS5";
    const std::string usb0 = prefix + "ttyUSB0";
    const std::string usb1 = prefix + "ttyUSB1";
    s.start_battery(usb0,
                    set_args({{"/Dc/0/Current", "d:-10"}, {"/Soc", "d:80"}}));
    s.start_battery(usb1,
                    set_args({{"/Dc/0/Current", "d:-6"}, {"/Soc", "d:60"}}));
    s.start_battery(shunt,
                    set_args({{"/Dc/0/Current", "d:-16"}, {"/Soc", "d:73.5"}}));
    auto& daemon
        = start_aggregator(s, with_quick_keys(readme_examples[1].second));
    check_bank(c, 2, -16, {usb0, usb1});
    // Without the primary the members' weighted SoC would be 70.
    check_d(c, agg, "/Soc", 73.5);
    BA_REQUIRE_EQUAL(c.sim_set_items(shunt, {{"/Soc", wire_value::dbl(75.2)}}),
                     0);
    check_d(c, agg, "/Soc", 75.2);
    // The members' SoC does not leak through.
    BA_REQUIRE_EQUAL(c.sim_set_items(usb0, {{"/Soc", wire_value::dbl(90)}}), 0);
    CAF_CHECK(holds_for(
        [&] { return close_to_d{}(c.get_value(agg, "/Soc"), 75.2); }, 500ms));
    CAF_CHECK(bank_holds(c, 2, -16, 500ms));
    // The normalisation was reported, naming the canonical spelling.
    CAF_CHECK(daemon.log().find(R"("/SoC" taken as "/Soc")")
              != std::string::npos);
  });
}

// §4.1 example 3 with its own names: two virtual batteries, each a BMS and
// its shunt (merge), in parallel in the main bank.
CAF_TEST(example three runs two virtual batteries) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    const std::string virtual1 = prefix + "virtual1";
    const std::string virtual2 = prefix + "virtual2";
    const std::string bms1 = prefix + "ttyS6";
    const std::string shunt1 = prefix + "ttyUSB0";
    const std::string bms2 = prefix + "ttyS7";
    const std::string shunt2 = prefix + "ttyUSB1";
    // Each BMS leaves the current to its shunt (invalid), and states a SoC
    // other than the shunt's: the BMS is listed first, so its SoC wins.
    s.start_battery(bms1, set_args({{"/Soc", "d:81"},
                                    {"/Dc/0/Current", "null"},
                                    {"/Dc/0/Power", "null"}}));
    s.start_battery(shunt1, {"--minimal", "--set", "/Soc=d:75", "--set",
                             "/Dc/0/Current=d:-12"});
    s.start_battery(bms2, set_args({{"/Soc", "d:61"},
                                    {"/Dc/0/Current", "null"},
                                    {"/Dc/0/Power", "null"}}));
    s.start_battery(shunt2, {"--minimal", "--set", "/Soc=d:50", "--set",
                             "/Dc/0/Current=d:-7"});
    start_aggregator(s, with_quick_keys(readme_examples[2].second));
    // Two members (the virtual batteries, 100 Ah each): SoC mean of the
    // BMSes', current the sum of the shunts'.
    check_bank(c, 2, -19, {virtual1, virtual2});
    check_d(c, agg, "/Soc", 71);
    BA_REQUIRE(wait_for_services(c, {virtual1, virtual2}, 10s));
    check_d(c, virtual1, "/Soc", 81);
    check_d(c, virtual1, "/Dc/0/Current", -12);
    check_d(c, virtual2, "/Soc", 61);
    check_d(c, virtual2, "/Dc/0/Current", -7);
    CAF_CHECK_EQUAL(c.get_value(virtual1, "/ProductName"),
                    wire_value::str("Virtual Battery"));
  });
}

// Exact matching (product.md §1): neither an exclusion nor a primary entry
// catches a service whose name merely starts like it.
CAF_TEST(names match exactly and not by prefix) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    const std::string usb1 = prefix + "ttyUSB1";
    const std::string usb10 = prefix + "ttyUSB10";
    const std::string usb2 = prefix + "ttyUSB2";
    const std::string usb20 = prefix + "ttyUSB20";
    s.start_battery(usb1, current_args(-5));
    s.start_battery(usb10,
                    set_args({{"/Dc/0/Current", "d:-7"}, {"/Soc", "d:40"}}));
    s.start_battery(usb2,
                    set_args({{"/Dc/0/Current", "d:-1"}, {"/Soc", "d:90"}}));
    s.start_battery(usb20,
                    set_args({{"/Dc/0/Current", "d:-2"}, {"/Soc", "d:40"}}));
    start_aggregator(s, with_quick_keys(R"({"excludedServices": [")" + usb1
                                        + R"("], "primaryServices": {")" + usb2
                                        + R"(": ["/Soc"]}})"));
    check_bank(c, 2, -9, {usb10, usb20});
    check_d(c, agg, "/Soc", 90);
    CAF_CHECK(bank_holds(c, 2, -9));
  });
}

// `name:Shunt` follows whichever source has that /CustomName: a shunt that
// comes back under another bus name stays excluded; renaming moves a
// source in and out.
CAF_TEST(a name entry follows the custom name across bus names) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    const std::string bms = prefix + "ttyUSB0";
    const std::string shunt_before = prefix + "ttyUSB3";
    const std::string shunt_after = prefix + "ttyUSB4";
    auto shunt_args
        = set_args({{"/Dc/0/Current", "d:-30"}, {"/CustomName", "s:Shunt"}});
    s.start_battery(bms, current_args(-10));
    s.start_battery(shunt_before, shunt_args);
    start_aggregator(
        s, with_quick_keys(R"({"excludedServices": ["name:Shunt"]})"));
    check_bank(c, 1, -10, {bms});
    CAF_CHECK(bank_holds(c, 1, -10, 500ms));

    // USB re-enumeration: the shunt leaves and returns as ttyUSB4.
    c.sim_quit(shunt_before);
    BA_REQUIRE(c.wait_for_no_owner(shunt_before, eventually));
    s.start_battery(shunt_after, shunt_args);
    CAF_CHECK(bank_holds(c, 1, -10));
    check_batteries(c, agg, {bms});

    // Renamed: no longer the shunt, so a member; renamed back: excluded.
    BA_REQUIRE_EQUAL(c.sim_set_items(shunt_after, {{"/CustomName",
                                                    wire_value::str("Spare")}}),
                     0);
    check_bank(c, 2, -40, {bms, shunt_after});
    BA_REQUIRE_EQUAL(c.sim_set_items(shunt_after, {{"/CustomName",
                                                    wire_value::str("Shunt")}}),
                     0);
    check_bank(c, 1, -10, {bms});
    // And the BMS, given the name, is excluded in turn.
    BA_REQUIRE_EQUAL(c.sim_set_items(shunt_after, {{"/CustomName",
                                                    wire_value::str("Spare")}}),
                     0);
    BA_REQUIRE_EQUAL(
        c.sim_set_items(bms, {{"/CustomName", wire_value::str("Shunt")}}), 0);
    check_bank(c, 1, -30, {shunt_after});
  });
}

// A valid changed config is applied in place: the newly excluded shunt
// drops out, and the service never leaves the bus.
CAF_TEST(a hangup signal applies a new exclusion in place) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    const std::string shunt = prefix + "ttyS1";
    const std::string usb0 = prefix + "ttyUSB0";
    const std::string usb1 = prefix + "ttyUSB1";
    s.start_battery(usb0, current_args(-10));
    s.start_battery(usb1, current_args(-6));
    s.start_battery(shunt, current_args(-16));
    auto& daemon = start_aggregator(s, with_quick_keys("{}"));
    check_bank(c, 3, -32, {usb0, usb1, shunt});
    auto mark = mark_after_claims(c, {agg});

    rewrite_config(daemon, with_quick_keys(readme_examples[0].second));
    BA_REQUIRE(reload(daemon, reloaded));
    check_bank(c, 2, -16, {usb0, usb1});
    // No longer a member, so not missing either.
    CAF_CHECK_EQUAL(poll_value(c, agg, "/System/MissingBatteries",
                               equals(wire_value::str("[]"))),
                    wire_value::str("[]"));
    CAF_CHECK(bank_holds(c, 2, -16, 500ms));
    CAF_CHECK(daemon.running());
    CAF_CHECK(no_owner_change(c, agg, mark));
  });
}

/// Two members of -10 A and -6 A and a shunt of -16 A (ttyS1), with the
/// first README example (the shunt excluded) in force: the bank is 2, -16 A.
child_process& start_shunt_excluded(scenario& s) {
  s.start_battery(prefix + "ttyUSB0", current_args(-10));
  s.start_battery(prefix + "ttyUSB1", current_args(-6));
  s.start_battery(prefix + "ttyS1", current_args(-16));
  auto& daemon
      = start_aggregator(s, with_quick_keys(readme_examples[0].second));
  check_bank(s.client(), 2, -16, {prefix + "ttyUSB0", prefix + "ttyUSB1"});
  return daemon;
}

// An invalid file is rejected as a whole: the running roles stay (the
// excluded shunt stays out, the members stay in), and nothing leaves the
// bus. A later valid file is still applied.
CAF_TEST(a hangup signal with an invalid config keeps the old one) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    const std::string shunt = prefix + "ttyS1";
    const std::string usb0 = prefix + "ttyUSB0";
    const std::string usb1 = prefix + "ttyUSB1";
    auto& daemon = start_shunt_excluded(s);
    auto mark = mark_after_claims(c, {agg});

    // Broken JSON.
    rewrite_config(daemon, "{\"excludedServices\": [\n");
    BA_REQUIRE(reload(daemon, rejected));
    CAF_CHECK(bank_holds(c, 2, -16));
    // Valid JSON that would re-include the shunt if half applied: the
    // misspelt key makes the whole file invalid.
    rewrite_config(daemon, with_quick_keys(R"({"exludedServices": []})"));
    BA_REQUIRE(reload(daemon, rejected));
    CAF_CHECK(bank_holds(c, 2, -16));
    check_batteries(c, agg, {usb0, usb1});
    CAF_CHECK(daemon.running());
    CAF_CHECK(no_owner_change(c, agg, mark));
    // The report names the problem.
    CAF_CHECK(daemon.log().find("exludedServices") != std::string::npos);

    // A valid file afterwards is applied: the shunt is counted again.
    rewrite_config(daemon, with_quick_keys("{}"));
    BA_REQUIRE(reload(daemon, reloaded));
    check_bank(c, 3, -32, {usb0, usb1, shunt});
    CAF_CHECK(no_owner_change(c, agg, mark));
  });
}

// Hostile or vanished config files on SIGHUP (issue 12, findings 3 and 4):
// a FIFO (opening it blocked the signal thread), a symlink to /dev/zero (a
// read without end: bad_alloc killed the service), a 2.4 MB file of
// 200,000 keys (61 s of quadratic parsing), a deleted file and a dangling
// symlink (both silently became the defaults, and the excluded shunt joined
// the bank). Each is rejected with its reason, the running config stays,
// and SIGTERM is still answered within 2 s.
CAF_TEST(a hangup signal with a hostile or vanished file keeps the config) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    auto& daemon = start_shunt_excluded(s);
    auto mark = mark_after_claims(c, {agg});
    const auto path = daemon.argv()[2];
    auto replace_with = [&](const std::function<void(const std::string&)>& f) {
      std::remove(path.c_str());
      f(path);
    };
    struct hostile {
      std::string what;
      std::function<void(const std::string&)> make;
      std::string reason;
    };
    std::string many_keys = "{";
    for (int i = 0; i < 200000; ++i)
      many_keys += (i ? ",\"k" : "\"k") + std::to_string(i) + "\": 1";
    many_keys += "}";
    std::vector<hostile> cases{
        {"a FIFO",
         [](const std::string& p) { BA_REQUIRE(mkfifo(p.c_str(), 0600) == 0); },
         ": cannot be read: is a FIFO, not a regular file"},
        {"a symlink to /dev/zero",
         [](const std::string& p) {
           BA_REQUIRE(symlink("/dev/zero", p.c_str()) == 0);
         },
         ": cannot be read: is a device, not a regular file"},
        {"200,000 keys",
         [&](const std::string& p) {
           std::ofstream out(p);
           out << many_keys;
         },
         ": cannot be read: " + std::to_string(many_keys.size()) + " bytes"},
        {"a deleted file", [](const std::string&) {}, ": missing"},
        {"a dangling symlink",
         [&](const std::string& p) {
           BA_REQUIRE(symlink((p + ".gone").c_str(), p.c_str()) == 0);
         },
         ": missing"},
    };
    for (auto& h : cases) {
      CAF_MESSAGE("config file: " << h.what);
      replace_with(h.make);
      auto before = count_occurrences(daemon.log(), path + h.reason);
      BA_REQUIRE(reload(daemon, rejected));
      CAF_CHECK_EQUAL(count_occurrences(daemon.log(), path + h.reason),
                      before + 1);
      // The shunt stays excluded: the defaults were not taken.
      CAF_CHECK(bank_holds(c, 2, -16, 300ms));
      CAF_CHECK(daemon.running());
    }
    CAF_CHECK(no_owner_change(c, agg, mark));
    // A FIFO again, then SIGTERM at once: served within 2 s.
    replace_with([](const std::string& p) { mkfifo(p.c_str(), 0600); });
    daemon.signal(SIGHUP);
    auto t0 = clock_type::now();
    auto code = daemon.terminate(5s);
    CAF_CHECK_EQUAL(code, 0);
    CAF_CHECK_LESS(ms_between(t0, clock_type::now()), 2000);
  });
}

// Adding a virtual battery by reload: its service appears and replaces its
// members in the main bank; removing it: its name leaves, the members come
// back. The main service and the virtual battery that stays never leave.
CAF_TEST(a hangup signal adds and removes a virtual battery) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    const std::string usb0 = prefix + "ttyUSB0";
    const std::string usb1 = prefix + "ttyUSB1";
    const std::string usb2 = prefix + "ttyUSB2";
    const std::string usb3 = prefix + "ttyUSB3";
    const std::string vkeep = prefix + "vkeep";
    const std::string vnew = prefix + "vnew";
    s.start_battery(usb0, current_args(-10));
    s.start_battery(usb1, current_args(-6));
    s.start_battery(usb2, current_args(-4));
    s.start_battery(usb3, current_args(-2));
    auto keep_only = with_quick_keys(R"({"virtualBatteries": {")" + vkeep
                                     + R"(": [")" + usb3 + R"("]}})");
    auto& daemon = start_aggregator(s, keep_only);
    check_bank(c, 4, -22, {usb0, usb1, usb2, vkeep});
    BA_REQUIRE(wait_for_services(c, {vkeep}, 10s));
    auto mark = mark_after_claims(c, {agg, vkeep});

    // vnew merges usb0 and usb1 (a BMS and its shunt): its current is the
    // first valid one, usb0's -10, not their sum.
    rewrite_config(daemon, with_quick_keys(R"({"virtualBatteries": {")" + vkeep
                                           + R"(": [")" + usb3 + R"("], ")"
                                           + vnew + R"(": [")" + usb0
                                           + R"(", ")" + usb1 + R"("]}})"));
    BA_REQUIRE(reload(daemon, reloaded));
    CAF_CHECK(wait_for_services(c, {vnew}, 10s));
    check_bank(c, 3, -16, {usb2, vkeep, vnew});
    check_d(c, vnew, "/Dc/0/Current", -10);
    CAF_CHECK(no_owner_change(c, agg, mark));
    CAF_CHECK(no_owner_change(c, vkeep, mark));

    // Back to the first config: vnew leaves, its members return.
    auto before_removal = c.mark();
    rewrite_config(daemon, keep_only);
    BA_REQUIRE(reload(daemon, reloaded));
    CAF_CHECK(c.wait_for_no_owner(vnew, eventually));
    CAF_CHECK(!c.owner_changes(vnew, before_removal).empty());
    check_bank(c, 4, -22, {usb0, usb1, usb2, vkeep});
    check_d(c, vkeep, "/Dc/0/Current", -2);
    CAF_CHECK(daemon.running());
    CAF_CHECK(no_owner_change(c, agg, mark));
    CAF_CHECK(no_owner_change(c, vkeep, mark));
  });
}

// Issue 12, finding 1: a reload that redefines a virtual battery restarts the
// actors and rescans every source. Two configs that give the same aggregate
// (a parallel pair of identical packs plus the other two, either way round),
// one pack slow to answer GetItems (2 s), SIGHUP alternating between them:
// the aggregate and the virtual battery never carry a value that neither
// config gives (the old code published the empty bank, then 3-pack banks for
// the 2 s of the slow scan), and the custom name set before does not flicker.
CAF_TEST(a virtual battery reload with a slow pack publishes no partial bank) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    const std::string usb0 = prefix + "ttyUSB0";
    const std::string usb1 = prefix + "ttyUSB1";
    const std::string usb2 = prefix + "ttyUSB2";
    const std::string usb3 = prefix + "ttyUSB3";
    const std::string pair = prefix + "pair";
    auto slow = current_args(-5);
    slow.insert(slow.end(), {"--items-delay", "2000"});
    s.start_battery(usb0, slow);
    for (auto& name : {usb1, usb2, usb3})
      s.start_battery(name, current_args(-5));
    auto config_of = [&](const std::string& a, const std::string& b) {
      return with_quick_keys(R"({"virtualBatteries": {")" + pair
                             + R"(": {"topology": "parallel", "members": [")"
                             + a + R"(", ")" + b + R"("]}}})");
    };
    auto first = config_of(usb0, usb1);
    auto second = config_of(usb2, usb3);
    auto& daemon = start_aggregator(s, first);
    BA_REQUIRE(wait_for_services(c, {pair}, 10s));
    // Main bank: the pair and the two other packs; every pack 50 A CCL,
    // 100 A DCL, -5 A.
    check_count(c, agg, 3);
    check_d(c, agg, "/Dc/0/Current", -20);
    check_d(c, agg, "/Info/MaxChargeCurrent", 200);
    check_d(c, pair, "/Dc/0/Current", -10);
    BA_REQUIRE_EQUAL(
        c.set_value(agg, "/CustomName", wire_value::str("House bank")), 0);
    const std::map<std::string, double> bank{{"/Dc/0/Current", -20},
                                             {"/Dc/0/Voltage", 52},
                                             {"/Soc", 50},
                                             {"/Info/MaxChargeCurrent", 200},
                                             {"/Info/MaxDischargeCurrent", 400},
                                             {"/System/NrOfBatteries", 3}};
    const std::map<std::string, double> pair_values{
        {"/Dc/0/Current", -10},
        {"/Dc/0/Voltage", 52},
        {"/Soc", 50},
        {"/Info/MaxChargeCurrent", 100},
        {"/Info/MaxDischargeCurrent", 200},
        {"/System/NrOfBatteries", 2}};
    auto is = [](const wire_value& v, double x) {
      auto n = v.number();
      return n && std::abs(*n - x) < 1e-6;
    };
    for (auto& [service, expected] :
         {std::pair{agg, &bank}, {pair, &pair_values}})
      for (auto& [path, x] : *expected) {
        auto v = poll_value(c, service, path, [&, x = x](const wire_value& v) {
          return is(v, x);
        });
        if (!is(v, x))
          report_failure(service + path + " = " + to_string(v));
      }
    auto mark = mark_after_claims(c, {agg, pair});
    for (int i = 0; i < 4; ++i) {
      rewrite_config(daemon, i % 2 == 0 ? second : first);
      BA_REQUIRE(reload(daemon, reloaded));
      // The slow pack's rescan takes 2 s: give the new roster its time.
      std::this_thread::sleep_for(3s);
    }
    auto check_signals = [&](const std::string& service,
                             const std::map<std::string, double>& expected) {
      for (auto& sig : c.items_changed_from(service, mark)) {
        for (auto& [path, x] : expected)
          if (sig.has(path))
            if (!is(sig.value(path), x))
              report_failure("signalled " + service + path + " = "
                             + to_string(sig.value(path)));
        CAF_CHECK(!sig.has("/CustomName"));
      }
    };
    check_signals(agg, bank);
    check_signals(pair, pair_values);
    for (auto& [path, x] : bank)
      if (!is(c.get_value(agg, path), x))
        report_failure("after the reloads " + path + " = "
                       + to_string(c.get_value(agg, path)));
    CAF_CHECK_EQUAL(c.get_value(agg, "/CustomName"),
                    wire_value::str("House bank"));
    CAF_CHECK(no_owner_change(c, agg, mark));
    CAF_CHECK(no_owner_change(c, pair, mark));
    CAF_CHECK(daemon.running());
  });
}
