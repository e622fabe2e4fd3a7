// Smoke tests of the end-to-end harness itself, against the test doubles
// only (no daemon): if these fail, the conformance and sources suites cannot
// be trusted.

#define CAF_SUITE harness
#include <caf/test/unit_test.hpp>

#include "tests/integration/polling.hpp"
#include "tests/integration/scenario.hpp"

#include <csignal>
#include <fstream>
#include <string>

using namespace ba::test;

namespace {

const std::string sim_a = "com.victronenergy.battery.harness_a";
const std::string sim_b = "com.victronenergy.battery.harness_b";

/// True when `pid` is gone or a zombie (in a container PID 1 may not reap).
bool process_gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content;
  if (!std::getline(stat, content))
    return true;
  auto close = content.rfind(')');
  return close != std::string::npos && close + 2 < content.size()
         && content[close + 2] == 'Z';
}

} // namespace

CAF_TEST(child process captures output and exit codes) {
  tmp_dir dir;
  {
    child_process p("exit3",
                    {"/bin/sh", "-c", "echo hello; echo oops >&2; exit 3"},
                    dir.path(), {{"BA_EXTRA", "x"}});
    CAF_CHECK_EQUAL(p.wait_exit(5s), std::optional<int>{3});
    CAF_CHECK_EQUAL(p.output(), "hello\n");
    CAF_CHECK_EQUAL(p.log(), "oops\n");
  }
  {
    child_process p("env", {"/bin/sh", "-c", "echo \"v=$BA_EXTRA\""},
                    dir.path(), {{"BA_EXTRA", "from-test"}});
    CAF_CHECK(p.wait_for_line("v=from-test", 5s));
  }
  {
    // SIGTERM honoured: exit code 128 + 15.
    child_process p("term", {"/bin/sh", "-c", "echo up; exec sleep 30"},
                    dir.path(), {});
    CAF_CHECK(p.wait_for_line("up", 5s));
    CAF_CHECK(p.running());
    CAF_CHECK_EQUAL(p.terminate(2s), 128 + SIGTERM);
    CAF_CHECK(!p.running());
  }
  {
    // SIGTERM ignored: killed after the timeout, reported as -1.
    child_process p("stubborn",
                    {"/bin/sh", "-c",
                     "trap '' TERM; echo up; while :; do sleep 0.05; done"},
                    dir.path(), {});
    CAF_CHECK(p.wait_for_line("up", 5s));
    auto start = clock_type::now();
    CAF_CHECK_EQUAL(p.terminate(300ms), -1);
    CAF_CHECK_LESS(ms_between(start, clock_type::now()), 2000.0);
    CAF_CHECK(p.describe().find("killed with SIGKILL") != std::string::npos);
  }
  {
    // The destructor kills the whole process group, grandchildren included.
    // (CAF_REQUIRE would abort(); a plain branch keeps the teardown.)
    pid_t grandchild = 0;
    {
      child_process p("group",
                      {"/bin/sh", "-c", "sleep 30 & echo \"gc=$!\"; wait"},
                      dir.path(), {});
      CAF_CHECK(p.wait_for_line("gc=", 5s));
      auto out = p.output();
      if (auto pos = out.find("gc="); pos != std::string::npos)
        grandchild = std::stoi(out.substr(pos + 3));
      CAF_CHECK(grandchild > 0 && !process_gone(grandchild));
    }
    if (grandchild > 0)
      CAF_CHECK(wait_until([&] { return process_gone(grandchild); }, 2s));
  }
}

CAF_TEST(private bus client and settings double) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    CAF_CHECK(s.address().rfind("unix:path=", 0) == 0);
    BA_REQUIRE(c.name_has_owner(settings_name));
    CAF_CHECK(!c.name_owner(settings_name).empty());
    CAF_CHECK_EQUAL(c.reply_signature(settings_name, "/", "GetItems"),
                    "a{sa{sv}}");
    CAF_CHECK_EQUAL(c.reply_variant_signature(settings_name, "/", "GetValue"),
                    "a{sv}");
    CAF_CHECK_EQUAL(bus_client::call_error([&] { c.get_items(settings_name); }),
                    "");
    CAF_CHECK_EQUAL(bus_client::call_error(
                        [&] { c.get_value(settings_name, "/No/Such/Path"); }),
                    "org.freedesktop.DBus.Error.UnknownObject");
    CAF_CHECK(!c.name_has_owner(aggregator_name));
  });
}

CAF_TEST(battery double round trip) {
  run_scenario([](scenario& s) {
    auto& c = s.client();
    c.arm_items_probe(sim_a);
    s.start_battery(sim_a,
                    {"--instance", "7", "--set", "/Soc=u:55", "--set",
                     "/Dc/0/Voltage=null", "--set", "/Dc/0/Current=d:-2.5"});
    // The probe fired from the NameOwnerChanged handler.
    auto probe = c.wait_items_probe(eventually);
    BA_REQUIRE(probe.has_value());
    CAF_CHECK_EQUAL(probe->error, "");
    CAF_CHECK_EQUAL(probe->signature, "a{sa{sv}}");
    CAF_CHECK_EQUAL(probe->items["/DeviceInstance"].first,
                    wire_value::int32(7));
    CAF_CHECK_EQUAL(probe->owner, c.name_owner(sim_a));

    auto items = c.get_items(sim_a);
    CAF_CHECK_EQUAL(items["/Soc"].first, wire_value::uint32(55));
    CAF_CHECK_EQUAL(items["/Dc/0/Voltage"].first, wire_value::invalid());
    CAF_CHECK_EQUAL(items["/Dc/0/Voltage"].second, wire_value::str("---"));
    BA_CHECK_D(items["/Dc/0/Current"].first, -2.5);
    CAF_CHECK_EQUAL(c.get_value(sim_a, "/Soc"), wire_value::uint32(55));
    CAF_CHECK_EQUAL(c.get_text(sim_a, "/Dc/0/Voltage"), "---");
    auto root = c.get_root_value(sim_a);
    CAF_CHECK_EQUAL(root["Soc"], wire_value::uint32(55));
    CAF_CHECK_EQUAL(root.count("/Soc"), 0u);
    auto node = c.get_root_value(sim_a, "/Dc");
    BA_CHECK_D(node["0/Current"], -2.5);
    auto texts = c.get_root_text(sim_a);
    CAF_CHECK_EQUAL(texts["Dc/0/Voltage"], "---");
    CAF_CHECK_EQUAL(c.reply_signature(sim_a, "/Soc", "GetText"), "s");
    CAF_CHECK_EQUAL(
        bus_client::call_error([&] { c.get_value(sim_a, "/Does/Not/Exist"); }),
        "org.freedesktop.DBus.Error.UnknownObject");

    // SetValue on the double is recorded and signalled.
    auto mark = c.mark();
    CAF_CHECK_EQUAL(c.set_value(sim_a, "/Dc/0/Current", wire_value::dbl(-3.5)),
                    0);
    auto sig = c.wait_for_items_changed(
        sim_a, [](const recorded_signal& r) { return r.has("/Dc/0/Current"); },
        eventually, mark);
    BA_REQUIRE(sig.has_value());
    CAF_CHECK_EQUAL(sig->path, "/");
    BA_CHECK_D(sig->value("/Dc/0/Current"), -3.5);
    CAF_CHECK(c.sim_get_writes(sim_a).find("/Dc/0/Current")
              != std::string::npos);

    // SetItems: one ItemsChanged with every path.
    mark = c.mark();
    CAF_CHECK_EQUAL(
        c.sim_set_items(sim_a, {{"/Dc/0/Voltage", wire_value::dbl(51.5)},
                                {"/Soc", wire_value::invalid()}}),
        0);
    sig = c.wait_for_items_changed(
        sim_a, [](const recorded_signal& r) { return r.has("/Soc"); },
        eventually, mark);
    BA_REQUIRE(sig.has_value());
    BA_CHECK_D(sig->value("/Dc/0/Voltage"), 51.5);
    CAF_CHECK(sig->value("/Soc").is_invalid());
    CAF_CHECK_EQUAL(c.items_changed_from(sim_a, mark).size(), 1u);

    // Properties mode.
    c.sim_set_signal_mode(sim_a, "properties");
    mark = c.mark();
    c.sim_set_items(sim_a, {{"/Soc", wire_value::dbl(60)}});
    BA_REQUIRE(wait_until(
        [&] { return !c.properties_changed_from(sim_a, mark).empty(); },
        eventually));
    auto props = c.properties_changed_from(sim_a, mark);
    CAF_CHECK_EQUAL(props.front().path, "/Soc");
    BA_CHECK_D(props.front().value("/Soc"), 60.0);
    CAF_CHECK(c.items_changed_from(sim_a, mark).empty());
    c.sim_set_signal_mode(sim_a, "items");

    // A burst without waiting for replies arrives in order.
    mark = c.mark();
    for (int i = 1; i <= 5; ++i)
      c.sim_set_items_no_reply(sim_a, {{"/Soc", wire_value::dbl(i)}});
    CAF_CHECK(c.wait_for_items_changed(
        sim_a,
        [](const recorded_signal& r) {
          return close_to_d{}(r.value("/Soc"), 5.0);
        },
        eventually, mark));

    // ReleaseName: the name goes, the process stays.
    auto& b = s.start_battery(sim_b);
    auto owner_b = c.name_owner(sim_b);
    mark = c.mark();
    c.sim_release_name(sim_b);
    auto gone = c.wait_for_owner_change(
        sim_b, [](const owner_change& oc) { return oc.new_owner.empty(); },
        eventually, mark);
    BA_REQUIRE(gone.has_value());
    CAF_CHECK_EQUAL(gone->old_owner, owner_b);
    CAF_CHECK(b.running());

    // Quit: the process ends cleanly.
    auto& a = s.start_battery(sim_a + "2");
    c.sim_quit(sim_a + "2");
    CAF_CHECK_EQUAL(a.wait_exit(eventually), std::optional<int>{0});
    CAF_CHECK(!c.name_has_owner(sim_a + "2"));
  });
}
