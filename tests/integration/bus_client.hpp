#pragma once

// The test's own D-Bus client: it probes the exported service the way Venus
// consumers do (venus-dbus.md section 8.4), records every ItemsChanged,
// PropertiesChanged and NameOwnerChanged with a sequence number so that a
// test can ask "what happened since", and drives the venus-sim doubles
// through their control interface.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "tests/integration/wait.hpp"
#include "tests/integration/wire_value.hpp"

namespace ba::test {

/// Well-known names used throughout the suites.
inline const std::string aggregator_name
    = "com.victronenergy.battery.aggregator";
inline const std::string settings_name = "com.victronenergy.settings";
inline const std::string busitem_interface = "com.victronenergy.BusItem";
inline const std::string sim_interface = "org.example.VenusSim";

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
} // namespace ba::test
