#include "tests/integration/scenario.hpp"

#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

namespace ba::test {

// -- scenario -----------------------------------------------------------------

namespace {

size_t current_bad() {
  auto t = caf::test::engine::current_test();
  return t != nullptr ? t->bad() : 0;
}

std::string service_suffix(const std::string& name) {
  auto dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

} // namespace

scenario::scenario(bus_limits limits) : bad_at_start_(current_bad()) {
  bus_ = std::make_unique<private_bus>(dir_.path(), limits.max_replies);
  client_ = std::make_unique<bus_client>(bus_->address());
  settings_state_ = dir_.path() + "/settings-state.json";
  start_settings({});
}

scenario::~scenario() {
  bool print = failed() || std::getenv("BA_TEST_VERBOSE") != nullptr;
  // Stop in reverse start order (the daemon before its sources and the
  // settings), then print, so that the logs are complete.
  for (auto i = children_.rbegin(); i != children_.rend(); ++i)
    (*i)->kill();
  if (print)
    caf::test::logger::instance().error()
        << std::string{"\n======== logs of the "} + (failed() ? "FAILED " : "")
               + "scenario in " + dir_.path() + " ========\n" + dump_logs();
  children_.clear();
  client_.reset();
  bus_.reset();
}

bool scenario::failed() const {
  return failed_ || current_bad() > bad_at_start_;
}

std::string scenario::unique_name(const std::string& base) {
  auto n = ++name_counts_[base];
  return n == 1 ? base : base + "-" + std::to_string(n);
}

child_process& scenario::start(const std::string& name,
                               std::vector<std::string> argv) {
  if (argv.empty() || argv.front().empty()
      || ::access(argv.front().c_str(), X_OK) != 0)
    throw std::runtime_error(
        "cannot start " + name + ": program '"
        + (argv.empty() ? std::string{} : argv.front())
        + "' is not executable (build it, or set BA_DAEMON_PATH / "
          "BA_SIM_BATTERY_PATH / BA_SIM_SETTINGS_PATH)");
  std::vector<std::pair<std::string, std::string>> env{
      {"DBUS_SESSION_BUS_ADDRESS", address()},
      {"DBUS_SYSTEM_BUS_ADDRESS", address()},
  };
  children_.push_back(std::make_unique<child_process>(
      unique_name(name), std::move(argv), dir_.path(), env));
  return *children_.back();
}

child_process& scenario::start_settings(const std::vector<std::string>& extra) {
  std::vector<std::string> argv{sim_settings_path(), "--state",
                                settings_state_};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto& proc = start("settings", std::move(argv));
  if (!proc.wait_for_line("READY " + settings_name, 10s))
    throw std::runtime_error("settings double not READY\n" + proc.describe());
  settings_ = &proc;
  return proc;
}

child_process&
scenario::restart_settings(const std::vector<std::string>& extra) {
  if (settings_ != nullptr)
    settings_->terminate(2s);
  return start_settings(extra);
}

child_process& scenario::start_battery(const std::string& name,
                                       const std::vector<std::string>& extra) {
  std::vector<std::string> argv{sim_battery_path(), "--name", name};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto& proc = start("sim-" + service_suffix(name), std::move(argv));
  if (!proc.wait_for_line("READY " + name, 10s))
    throw std::runtime_error("battery double " + name + " not READY\n"
                             + proc.describe());
  return proc;
}

child_process& scenario::start_daemon(const std::string& config_json,
                                      const std::vector<std::string>& extra) {
  auto config = dir_.write_file(unique_name("config") + ".json", config_json);
  std::vector<std::string> argv{daemon_path(), "--config", config, "--bus",
                                address()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return start("daemon", std::move(argv));
}

child_process& scenario::run_daemon_cli(const std::vector<std::string>& args) {
  std::vector<std::string> argv{daemon_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  return start("daemon-cli", std::move(argv));
}

std::string scenario::dump_logs() {
  std::string out;
  for (const auto& child : children_)
    out += child->describe();
  if (bus_)
    out += bus_->process().describe();
  return out;
}

void run_scenario(const std::function<void(scenario&)>& body) {
  run_scenario(bus_limits{}, body);
}

void run_scenario(bus_limits limits,
                  const std::function<void(scenario&)>& body) {
  std::unique_ptr<scenario> s;
  auto fail = [&](const std::string& what) {
    report_failure(what);
    if (s)
      s->mark_failed();
  };
  try {
    s = std::make_unique<scenario>(limits);
    body(*s);
  } catch (const requirement_error&) {
    // Already reported by BA_REQUIRE*.
    if (s)
      s->mark_failed();
  } catch (const sdbus::Error& e) {
    fail("unexpected D-Bus error " + e.getName() + ": " + e.getMessage());
  } catch (const std::exception& e) {
    fail(std::string{"unexpected exception: "} + e.what());
  }
  s.reset(); // prints the logs when failed, kills everything
}
child_process& start_aggregator(scenario& s, const std::string& config_json,
                                const std::vector<std::string>& extra,
                                const std::string& service_name) {
  auto& daemon = s.start_daemon(config_json, extra);
  BA_REQUIRE(s.client().wait_for_owner(service_name, 10s));
  return daemon;
}

std::vector<std::string>
set_args(const std::vector<std::pair<std::string, std::string>>& values) {
  std::vector<std::string> args;
  for (const auto& [path, spec] : values) {
    args.emplace_back("--set");
    args.push_back(path + "=" + spec);
  }
  return args;
}
std::string d_arg(double x) {
  std::ostringstream out;
  out.precision(12);
  out << "d:" << x;
  return out.str();
}
std::string with_quick_keys(const std::string& json) {
  auto close = json.rfind('}');
  auto open = json.find('{');
  bool empty = json.find_first_not_of(" \n", open + 1) == close;
  return json.substr(0, close) + (empty ? "" : ", ") + quick_config_keys + "}";
}

} // namespace ba::test
