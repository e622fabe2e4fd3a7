#pragma once

// End-to-end test harness: a private dbus-daemon per test, child processes
// (the daemon under test and the tests/sim/ doubles) in their own process
// groups, and an sdbus-c++ client that probes the exported service the way
// Venus consumers do (venus-dbus.md §8.4).
//
// Failure handling: CAF 0.17.6's CAF_REQUIRE/CAF_FAIL call abort(), which
// skips every destructor. Tests therefore use BA_REQUIRE* (which throw) inside
// run_scenario(), which catches, records the failure, prints the children's
// logs and then tears everything down. As a last line of defence (watchdog
// abort, crash) every child gets PR_SET_PDEATHSIG=SIGKILL, so nothing
// outlives the test binary.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include <sys/types.h>

#include <caf/test/unit_test.hpp>

#include <sdbus-c++/sdbus-c++.h>

namespace ba::test {

using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;
using namespace std::chrono_literals;

/// Well-known names used throughout the suites.
inline const std::string aggregator_name
    = "com.victronenergy.battery.aggregator";
inline const std::string settings_name = "com.victronenergy.settings";
inline const std::string busitem_interface = "com.victronenergy.BusItem";
inline const std::string sim_interface = "org.example.VenusSim";

/// Deadline for "eventually" conditions: generous, because the suites must
/// pass on a loaded 2-core machine. Spec bounds are asserted separately by
/// measuring.
inline constexpr auto eventually = 5s;

// -- wire_value ---------------------------------------------------------------

/// Marker payload of an invalid value (any empty array on the wire).
struct invalid_t {};
inline bool operator==(invalid_t, invalid_t) {
  return true;
}

/// The test's own view of a received D-Bus value: its signature plus a plain
/// payload. It never holds an sdbus::Variant, so it may cross threads freely.
/// A default-constructed wire_value is "absent" (empty signature), e.g. a
/// missing "Text" entry. Non-empty arrays (never a Venus value) keep a
/// rendering of their content as string payload.
struct wire_value {
  using payload_type
      = std::variant<invalid_t, double, int64_t, uint64_t, bool, std::string>;

  std::string signature;
  payload_type payload;

  static wire_value dbl(double x);
  static wire_value int32(int32_t x);
  static wire_value uint32(uint32_t x);
  static wire_value int64(int64_t x);
  static wire_value uint64(uint64_t x);
  static wire_value int16(int16_t x);
  static wire_value uint16(uint16_t x);
  static wire_value byte(uint8_t x);
  static wire_value boolean(bool x);
  static wire_value str(std::string x);
  /// An empty array of signature `sig` ("ai" is the Venus invalid).
  static wire_value invalid(std::string sig = "ai");

  bool absent() const {
    return signature.empty();
  }
  bool is_invalid() const {
    return !absent() && std::holds_alternative<invalid_t>(payload);
  }
  bool valid() const {
    return !absent() && !is_invalid();
  }
  /// Any integer type, double or bool, as double.
  std::optional<double> number() const;
  /// The string payload of an `s` value.
  std::optional<std::string> text() const;
};

bool operator==(const wire_value& x, const wire_value& y);
inline bool operator!=(const wire_value& x, const wire_value& y) {
  return !(x == y);
}

/// Debug form for test messages: `d:52.3`, `i:7`, `s:"x"`, `ai:<invalid>`,
/// `<absent>`.
std::string to_string(const wire_value& x);
std::ostream& operator<<(std::ostream& out, const wire_value& x);

/// Path -> (Value, Text), as in GetItems and ItemsChanged. Text is absent
/// when an entry carries none.
using item_map = std::map<std::string, std::pair<wire_value, wire_value>>;

/// Comparator for CAF_CHECK_FUNC: `d` value within 1e-6 (relative for large
/// values) of a number. Published values are rounded by the daemon, so an
/// exact comparison would depend on its rounding arithmetic.
struct close_to_d {
  bool operator()(const wire_value& x, double y) const;
};

#define BA_CHECK_D(value, expected)                                            \
  CAF_CHECK_FUNC(::ba::test::close_to_d, value, expected)

/// Parses a JSON list of strings (`/System/Batteries`); nullopt when the text
/// is not exactly that.
std::optional<std::vector<std::string>>
parse_json_string_list(const std::string& text);

// -- requirements that unwind -------------------------------------------------

/// Thrown by BA_REQUIRE*; the check itself is already reported to CAF.
struct requirement_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

#define BA_REQUIRE(...)                                                        \
  do {                                                                         \
    bool ba_ok_ = static_cast<bool>(__VA_ARGS__);                              \
    static_cast<void>(::caf::test::detail::check(                              \
        ::caf::test::engine::current_test(), __FILE__, __LINE__, #__VA_ARGS__, \
        false, ba_ok_));                                                       \
    ::caf::test::engine::last_check_file(__FILE__);                            \
    ::caf::test::engine::last_check_line(__LINE__);                            \
    if (!ba_ok_)                                                               \
      throw ::ba::test::requirement_error(#__VA_ARGS__);                       \
  } while (false)

#define BA_REQUIRE_FUNC(func, x_expr, y_expr)                                  \
  do {                                                                         \
    func ba_cmp_;                                                              \
    auto&& ba_x_ = x_expr;                                                     \
    auto&& ba_y_ = y_expr;                                                     \
    bool ba_ok_ = ba_cmp_(ba_x_, ba_y_);                                       \
    static_cast<void>(::caf::test::detail::check(                              \
        ::caf::test::engine::current_test(), __FILE__, __LINE__,               \
        CAF_FUNC_EXPR(func, x_expr, y_expr), false, ba_ok_, ba_x_, ba_y_));    \
    ::caf::test::engine::last_check_file(__FILE__);                            \
    ::caf::test::engine::last_check_line(__LINE__);                            \
    if (!ba_ok_)                                                               \
      throw ::ba::test::requirement_error(                                     \
          CAF_FUNC_EXPR(func, x_expr, y_expr));                                \
  } while (false)

#define BA_REQUIRE_EQUAL(x, y) BA_REQUIRE_FUNC(::caf::test::equal_to, x, y)
#define BA_REQUIRE_D(value, expected)                                          \
  BA_REQUIRE_FUNC(::ba::test::close_to_d, value, expected)

/// Records a failure of the current CAF test with a message.
void report_failure(const std::string& what);

/// Polls `predicate` every `poll` until it holds or `timeout` passes; the
/// predicate is evaluated once more at the deadline.
bool wait_until(const std::function<bool()>& predicate,
                clock_type::duration timeout, clock_type::duration poll = 10ms);

/// How often `needle` occurs in `text` (log lines, for instance).
size_t count_occurrences(const std::string& text, const std::string& needle);

/// Milliseconds between two time points, for messages and bounds.
double ms_between(time_point from, time_point to);

// -- executables --------------------------------------------------------------

/// Absolute paths of the programs under test: the environment variable of
/// the same name wins over the path CMake compiled in.
std::string daemon_path();
std::string sim_battery_path();
std::string sim_settings_path();

// -- tmp_dir ------------------------------------------------------------------

/// A fresh directory under $TMPDIR (or /tmp), removed recursively in the
/// destructor unless BA_TEST_KEEP_TMP is set.
class tmp_dir {
 public:
  tmp_dir();
  ~tmp_dir();
  tmp_dir(const tmp_dir&) = delete;
  tmp_dir& operator=(const tmp_dir&) = delete;

  const std::string& path() const {
    return path_;
  }
  /// Writes `content` to `<dir>/<name>` and returns the full path.
  std::string write_file(const std::string& name,
                         const std::string& content) const;

 private:
  std::string path_;
};

// -- child_process ------------------------------------------------------------

/// One program under test, started with fork/exec in its own process group,
/// stdout and stderr captured to `<dir>/<name>.out` / `.err`. Must be created
/// on the test's main thread (PR_SET_PDEATHSIG fires when the *thread* that
/// forked ends).
class child_process {
 public:
  child_process(std::string name, std::vector<std::string> argv,
                const std::string& dir,
                const std::vector<std::pair<std::string, std::string>>& env);
  /// Kills the whole process group (SIGKILL) if still running.
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  const std::string& name() const {
    return name_;
  }
  pid_t pid() const {
    return pid_;
  }
  const std::vector<std::string>& argv() const {
    return argv_;
  }
  time_point started_at() const {
    return started_at_;
  }

  /// Everything written to stdout / stderr so far.
  std::string output() const;
  std::string log() const;

  /// Waits until a complete stdout line contains `substring`. Gives up early
  /// when the process exits without printing it.
  bool wait_for_line(const std::string& substring,
                     clock_type::duration timeout);
  /// The same on stderr.
  bool wait_for_log_line(const std::string& substring,
                         clock_type::duration timeout);

  /// Sends `sig` to the process itself.
  void signal(int sig);
  /// SIGTERM, then waits up to `timeout`. Returns the exit code, 128 + signal
  /// number when a signal ended it, or -1 when it had to be killed with
  /// SIGKILL after the timeout (noted in describe()).
  int terminate(clock_type::duration timeout);
  /// Waits up to `timeout` for the process to end by itself; same codes as
  /// terminate(), nullopt while it still runs.
  std::optional<int> wait_exit(clock_type::duration timeout);
  bool running();
  /// SIGKILL to the whole group and reap, if still running (teardown).
  void kill();
  /// Exit code once reaped (see terminate()).
  std::optional<int> exit_code() const {
    return exit_code_;
  }
  time_point exited_at() const {
    return exited_at_;
  }

  /// Command line, exit status and both captured streams, for failure logs.
  std::string describe();

 private:
  bool poll_exit();
  void kill_group();
  bool wait_for_in_file(const std::string& file, const std::string& substring,
                        clock_type::duration timeout);

  std::string name_;
  std::vector<std::string> argv_;
  std::string out_file_;
  std::string err_file_;
  pid_t pid_ = -1;
  time_point started_at_;
  time_point exited_at_;
  std::optional<int> exit_code_;
  std::string notes_;
};

// -- private_bus --------------------------------------------------------------

/// A private dbus-daemon listening on `<dir>/bus`. Stock session policy: any
/// name may be owned, nothing is filtered.
class private_bus {
 public:
  /// `max_replies`: dbus-daemon's max_replies_per_connection (0: the
  /// session bus default, 50,000; a Venus system bus has 128).
  explicit private_bus(const std::string& dir, int max_replies = 0);
  ~private_bus();
  private_bus(const private_bus&) = delete;
  private_bus& operator=(const private_bus&) = delete;

  const std::string& address() const {
    return address_;
  }
  child_process& process() {
    return *daemon_;
  }

 private:
  std::string socket_path_;
  std::unique_ptr<child_process> daemon_;
  std::string address_;
};

// -- bus_client ---------------------------------------------------------------

/// A signal seen by the client, converted on the loop thread.
struct recorded_signal {
  uint64_t seq = 0;
  std::string member; // ItemsChanged or PropertiesChanged
  std::string sender; // unique name, e.g. ":1.7"
  std::string path;
  std::string signature; // of the body
  item_map items; // ItemsChanged content; PropertiesChanged as {path: ...}
  time_point at;

  bool has(const std::string& item_path) const {
    return items.count(item_path) != 0;
  }
  /// Value of `item_path`, absent when the signal does not carry it.
  wire_value value(const std::string& item_path) const;
};

/// A NameOwnerChanged for a com.victronenergy.* name.
struct owner_change {
  uint64_t seq = 0;
  std::string name;
  std::string old_owner;
  std::string new_owner;
  time_point at;
};

/// Outcome of a GetItems sent from inside the NameOwnerChanged handler.
struct items_probe {
  std::string owner; // the new unique owner that triggered it
  std::string error; // D-Bus error name, empty on success
  std::string signature;
  item_map items;
  time_point owner_at;
  time_point reply_at;
};

/// The test's own D-Bus client on the private bus. One connection, its event
/// loop on one dedicated thread (enterEventLoopAsync). Method calls are made
/// synchronously from the calling thread; every reply and every signal is
/// decoded from the raw message by the thread that owns it, so no
/// sdbus::Variant ever crosses a thread.
class bus_client {
 public:
  explicit bus_client(const std::string& address);
  ~bus_client();
  bus_client(const bus_client&) = delete;
  bus_client& operator=(const bus_client&) = delete;

  /// Per-call timeout (bounded; a hung daemon must not hang the test).
  static constexpr auto call_timeout = 5s;

  // -- BusItem calls (throw sdbus::Error on a D-Bus error, std::runtime_error
  //    when the reply has the wrong shape) ---------------------------------

  /// GetItems on `/`: requires a{sa{sv}}.
  item_map get_items(const std::string& service);
  /// Leaf GetValue: requires `v`.
  wire_value get_value(const std::string& service, const std::string& path);
  /// Leaf GetText: requires `s`.
  std::string get_text(const std::string& service, const std::string& path);
  /// Node or root GetValue: requires v(a{sv}); keys as sent.
  std::map<std::string, wire_value>
  get_root_value(const std::string& service, const std::string& path = "/");
  /// Node or root GetText: requires v(a{ss}).
  std::map<std::string, std::string>
  get_root_text(const std::string& service, const std::string& path = "/");
  /// SetValue(v) -> i.
  int32_t set_value(const std::string& service, const std::string& path,
                    const wire_value& v);

  /// Raw shape helpers: the body signature of a no-argument call's reply
  /// ("a{sa{sv}}", "v", "s"), and the signature inside a reply that is a
  /// single variant ("" otherwise).
  std::string reply_signature(const std::string& service,
                              const std::string& path,
                              const std::string& method,
                              const std::string& iface = busitem_interface);
  std::string
  reply_variant_signature(const std::string& service, const std::string& path,
                          const std::string& method,
                          const std::string& iface = busitem_interface);

  /// Runs `f`; returns the name of the sdbus::Error it throws, "" if none.
  static std::string call_error(const std::function<void()>& f);

  // -- names ----------------------------------------------------------------

  bool name_has_owner(const std::string& name);
  /// Unique owner of `name`, "" when it has none.
  std::string name_owner(const std::string& name);
  bool wait_for_owner(const std::string& name, clock_type::duration timeout);
  bool wait_for_no_owner(const std::string& name, clock_type::duration timeout);

  // -- signal recorder ------------------------------------------------------

  /// Sequence number the next recorded event will get: take it before an
  /// action, pass it as `since` to look only at what followed.
  uint64_t mark() const;
  std::vector<recorded_signal> signals(uint64_t since = 0) const;
  /// ItemsChanged / PropertiesChanged sent by any connection that has owned
  /// `service` (unique names are never reused on a bus, so this is exact).
  std::vector<recorded_signal> items_changed_from(const std::string& service,
                                                  uint64_t since = 0);
  std::vector<recorded_signal>
  properties_changed_from(const std::string& service, uint64_t since = 0);
  std::vector<owner_change> owner_changes(const std::string& name,
                                          uint64_t since = 0) const;
  /// First ItemsChanged from `service` after `since` that satisfies `pred`.
  std::optional<recorded_signal> wait_for_items_changed(
      const std::string& service,
      const std::function<bool(const recorded_signal&)>& pred,
      clock_type::duration timeout, uint64_t since = 0);
  /// First NameOwnerChanged of `name` after `since` that satisfies `pred`.
  std::optional<owner_change>
  wait_for_owner_change(const std::string& name,
                        const std::function<bool(const owner_change&)>& pred,
                        clock_type::duration timeout, uint64_t since = 0);

  /// Arms a one-shot probe: on the next NameOwnerChanged that gives `name` an
  /// owner, the loop thread sends GetItems to it at once (what dbusmonitor
  /// and flashmq do), catching a service that claims its name too early.
  void arm_items_probe(const std::string& name);
  std::optional<items_probe> wait_items_probe(clock_type::duration timeout);

  // -- venus-sim control (org.example.VenusSim on /) -------------------------

  int32_t
  sim_set_items(const std::string& service,
                const std::vector<std::pair<std::string, wire_value>>& items);
  /// SetItems without waiting for the reply: for bursts that must reach the
  /// simulator faster than one round trip each.
  void sim_set_items_no_reply(
      const std::string& service,
      const std::vector<std::pair<std::string, wire_value>>& items);
  int32_t sim_remove_paths(const std::string& service,
                           const std::vector<std::string>& paths);
  void sim_set_signal_mode(const std::string& service, const std::string& mode);
  std::string sim_get_writes(const std::string& service);
  /// Flood: one ItemsChanged of `count` new paths (see tests/sim/README.md).
  /// Waits up to a minute: 100,000 paths take seconds under the sanitizers.
  void sim_flood(const std::string& service, const std::string& prefix,
                 uint32_t count, uint32_t bytes, const std::string& type);
  /// EmitBadProperties: `count` malformed PropertiesChanged on `path`.
  void sim_emit_bad_properties(const std::string& service,
                               const std::string& path, uint32_t count);
  void sim_release_name(const std::string& service);
  /// Quit(); a NoReply because the simulator left first is fine.
  void sim_quit(const std::string& service);

  sdbus::IConnection& connection() {
    return *conn_;
  }

 private:
  using arg_writer = std::function<void(sdbus::MethodCall&)>;

  sdbus::MethodReply call(const std::string& service, const std::string& path,
                          const std::string& iface, const std::string& method,
                          const arg_writer& args = {},
                          clock_type::duration timeout = call_timeout);
  void on_busitem_signal(sdbus::Message& msg);
  void on_name_owner_changed(sdbus::Message& msg);
  std::set<std::string> owners_of(const std::string& service);
  std::vector<recorded_signal> from_owner(const std::string& member,
                                          const std::string& service,
                                          uint64_t since);

  std::unique_ptr<sdbus::IConnection> conn_;
  std::vector<sdbus::Slot> matches_;

  mutable std::mutex mtx_;
  std::condition_variable cv_;
  uint64_t next_seq_ = 1;
  std::vector<recorded_signal> signals_;
  std::vector<owner_change> owner_changes_;
  // Every unique name that ever owned a well-known name.
  std::map<std::string, std::set<std::string>> owners_;
  std::string probe_name_;
  std::optional<items_probe> probe_result_;
  // Touched only by the loop thread once the loop runs; destroyed after it.
  std::vector<std::unique_ptr<sdbus::IProxy>> probe_proxies_;
};

// -- scenario -----------------------------------------------------------------

/// One end-to-end test's world: tmp dir, private bus, client, settings
/// double (READY awaited), and the processes the test starts. Destroyed in
/// reverse order: children, client, bus, tmp dir.
/// How a scenario's private bus differs from a stock session bus.
struct bus_limits {
  /// max_replies_per_connection; 0 keeps the session default.
  int max_replies = 0;
};

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

// -- polling helpers ----------------------------------------------------------

using value_pred = std::function<bool(const wire_value&)>;
value_pred equals(wire_value expected);
/// A `d` value close to `expected` (see close_to_d).
value_pred near_d(double expected);

/// Polls GetValue of `path` until `pred` holds or `timeout` passes; returns
/// the last value read (absent while the call fails), so that the caller's
/// check prints what was seen.
wire_value poll_value(bus_client& client, const std::string& service,
                      const std::string& path, const value_pred& pred,
                      clock_type::duration timeout = eventually);

/// Checks `predicate` every `poll` for `duration`; false at the first
/// violation. For "must not happen" properties, which need a quiet period.
bool holds_for(const std::function<bool()>& predicate,
               clock_type::duration duration, clock_type::duration poll = 50ms);

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

/// Polls `service`'s /System/NrOfBatteries until it is `n`, and checks it.
void check_count(bus_client& c, const std::string& service, int32_t n);

/// Polls a `d` path until it is `expected`, and checks it (with a message
/// naming service, path and value when it is not).
void check_d(bus_client& c, const std::string& service, const std::string& path,
             double expected);

/// `"d:<x>"` (12 significant digits): a double for set_args.
std::string d_arg(double x);

/// Config keys that keep the tests short (and the daemon's log useful):
/// startupBatteryWait 1, publishInterval 10, logLevel DEBUG, as JSON members
/// without braces.
extern const std::string quick_config_keys;

/// `json` (an object) with `quick_config_keys` added: `{...}` ->
/// `{..., <quick_config_keys>}`.
std::string with_quick_keys(const std::string& json);

/// Runs one scenario: catches BA_REQUIRE failures and unexpected exceptions
/// (reporting them to CAF), prints the logs on failure or when
/// BA_TEST_VERBOSE is set, and always tears the scenario down.
/// Waits until every name in `names` has an owner; the names still missing
/// at the deadline are reported.
bool wait_for_services(bus_client& c, const std::vector<std::string>& names,
                       clock_type::duration timeout);

/// A mark taken once the claims of `names` have been recorded, so that
/// "no NameOwnerChanged since" is not fooled by the claim itself arriving
/// late on the client's loop thread.
uint64_t mark_after_claims(bus_client& c,
                           const std::vector<std::string>& names);

/// True when `name` saw no NameOwnerChanged since `since` (each one seen is
/// reported).
bool no_owner_change(bus_client& c, const std::string& name, uint64_t since);

void run_scenario(const std::function<void(scenario&)>& body);
/// The same on a bus with `limits`.
void run_scenario(bus_limits limits,
                  const std::function<void(scenario&)>& body);

} // namespace ba::test
