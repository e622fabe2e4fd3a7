#pragma once

// One end-to-end test's world and how to start things in it: a tmp dir, a
// private bus, the test's client, the settings double, and the daemon and
// battery doubles the test starts. run_scenario() runs a test body in one,
// turns a BA_REQUIRE* failure or an unexpected exception into a reported
// failure, prints every child's log when the test failed, and always tears
// everything down (venus-dbus.md section 8).

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/bus_client.hpp"
#include "tests/integration/private_bus.hpp"
#include "tests/integration/process.hpp"
#include "tests/integration/require.hpp"

namespace ba::test {

/// How a scenario's private bus differs from a stock session bus.
struct bus_limits {
  /// max_replies_per_connection; 0 keeps the session default.
  int max_replies = 0;
};

/// One end-to-end test's world: tmp dir, private bus, client, settings
/// double (READY awaited), and the processes the test starts. Destroyed in
/// reverse order: children, client, bus, tmp dir.
class scenario {
 public:
  explicit scenario(bus_limits limits = {});
  ~scenario();
  scenario(const scenario&) = delete;
  scenario& operator=(const scenario&) = delete;

  const std::string& dir() const {
    return dir_.path();
  }
  const std::string& address() const {
    return bus_->address();
  }
  bus_client& client() {
    return *client_;
  }
  /// The private bus's dbus-daemon (e.g. to freeze it with SIGSTOP).
  child_process& bus_daemon() {
    return bus_->process();
  }
  child_process& settings() {
    return *settings_;
  }
  /// The state file the settings double persists to (`--state`).
  const std::string& settings_state_file() const {
    return settings_state_;
  }

  /// Starts venus-sim-battery `--name name extra...` and waits for READY.
  child_process& start_battery(const std::string& name,
                               const std::vector<std::string>& extra = {});
  /// Writes `config_json` to the tmp dir and starts `battery-aggregator
  /// --config <file> --bus <address> extra...`; does not wait for the name.
  child_process& start_daemon(const std::string& config_json,
                              const std::vector<std::string>& extra = {});
  /// Starts the daemon with exactly `args` (no config, no bus option).
  child_process& run_daemon_cli(const std::vector<std::string>& args);
  /// Stops the settings double (SIGTERM) and starts a new one on the same
  /// state file; waits for READY.
  child_process& restart_settings(const std::vector<std::string>& extra = {});
  /// Generic start, with the bus environment, captured to the tmp dir.
  child_process& start(const std::string& name, std::vector<std::string> argv);

  /// Marks the scenario failed: logs are printed at the end.
  void mark_failed() {
    failed_ = true;
  }
  bool failed() const;
  /// Every child's command line, status, stdout and stderr.
  std::string dump_logs();

 private:
  child_process& start_settings(const std::vector<std::string>& extra);
  std::string unique_name(const std::string& base);

  tmp_dir dir_;
  std::unique_ptr<private_bus> bus_;
  std::unique_ptr<bus_client> client_;
  std::vector<std::unique_ptr<child_process>> children_;
  child_process* settings_ = nullptr;
  std::string settings_state_;
  std::map<std::string, int> name_counts_;
  size_t bad_at_start_ = 0;
  bool failed_ = false;
};

/// Runs one scenario: catches BA_REQUIRE failures and unexpected exceptions
/// (reporting them to CAF), prints the logs on failure or when
/// BA_TEST_VERBOSE is set, and always tears the scenario down.
void run_scenario(const std::function<void(scenario&)>& body);
/// The same on a bus with `limits`.
void run_scenario(bus_limits limits,
                  const std::function<void(scenario&)>& body);

/// Starts the daemon with `config_json` and requires that it owns
/// `service_name` within 10 s (with a member present it claims at once;
/// tests without one use startupBatteryWait 1).
child_process& start_aggregator(scenario& s, const std::string& config_json,
                                const std::vector<std::string>& extra = {},
                                const std::string& service_name
                                = aggregator_name);

/// `--set /P=T:V` arguments for venus-sim-battery, e.g.
/// set_args({{"/Soc", "d:80"}}).
std::vector<std::string>
set_args(const std::vector<std::pair<std::string, std::string>>& values);

/// `"d:<x>"` (12 significant digits): a double for set_args.
std::string d_arg(double x);

/// Config keys that keep the tests short (and the daemon's log useful):
/// startupBatteryWait 1, publishInterval 10, logLevel DEBUG, as JSON members
/// without braces.
inline const std::string quick_config_keys
    = R"("startupBatteryWait": 1, "publishInterval": 10, "logLevel": "DEBUG")";

/// A whole config of just `quick_config_keys`: the main bank with every
/// other option at its default.
inline const std::string quick_config = "{" + quick_config_keys + "}";

/// `json` (an object) with `quick_config_keys` added: `{...}` ->
/// `{..., <quick_config_keys>}`.
std::string with_quick_keys(const std::string& json);

} // namespace ba::test
