#pragma once

// Follows the other services on the bus: one NameOwnerChanged match (with
// arg0namespace), one BusItem signal match per unique name that owns a
// watched service (as aiovelib does: on a GX every driver, systemcalc and
// the aggregator itself send ItemsChanged, and a match without a sender had
// the daemon route all of them here), a unique-name -> service map to
// attribute signals, and
// asynchronous scans (GetItems, then `GetValue /`, then one GetValue per
// path, for the legacy services that lack the newer calls).

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>
#include <sdbus-c++/Message.h>

#include "bus/dbus_thread.hpp"
#include "bus/value_conversion.hpp"
#include "logging/log_cap.hpp"

namespace ba {

class watcher {
 public:
  /// `discovery` receives service_appeared / service_vanished for every
  /// `com.victronenergy.*` name.
  watcher(sdbus::IConnection& conn, dbus_thread& loop, caf::actor discovery);
  ~watcher();

  /// Subscribes first, then lists the names already on the bus (a name seen
  /// by both is reported once).
  void start();

  /// Values and the complete scan go to `consumer` (in the order they
  /// arrived), a failed scan to `sink`.
  void watch(const std::string& service, caf::actor sink, caf::actor consumer,
             bool scan);
  void watch_paths(const std::string& service, caf::actor sink,
                   const std::vector<std::string>& paths);
  void unwatch(const std::string& service, const caf::actor_addr& sink);
  void probe(const std::string& service, caf::actor sink);
  void rebind(caf::actor discovery);

  /// Paths read one by one when a service has neither GetItems nor a
  /// `GetValue /` dict.
  static const std::vector<std::string>& legacy_scan_paths();

 private:
  struct route {
    caf::actor sink;
    /// Receives the values and scans.
    caf::actor consumer;
    uint64_t scan_generation = 0;
    /// Empty: every path; otherwise only these are forwarded.
    std::set<std::string> only;
  };

  /// Sends `values` (filtered by the route) to every route of `sender`.
  void forward(const std::set<std::string>& services, const value_map& values);

  void on_name_owner_changed(sdbus::Message& msg);
  void on_busitem_signal(sdbus::Message& msg);
  void on_items_changed(sdbus::Message& msg);
  void on_properties_changed(sdbus::Message& msg);
  void log_odd(const std::string& service, const std::string& path,
               const std::string& what);
  /// Adds the signal match of every owner of a routed service and removes
  /// the others: after any change of routes or owners.
  void update_matches();
  void appeared(const std::string& service, const std::string& owner);
  void vanished(const std::string& service);
  void scan(const std::string& service);
  void scan_root_value(const std::string& service, uint64_t gen);
  /// Reads the legacy paths one by one, at most `max_scan_calls` at a time.
  struct path_scan {
    size_t next = 0;
    size_t outstanding = 0;
    bool done = false;
    value_map values;
  };
  void scan_paths(const std::string& service, uint64_t gen);
  void scan_more(const std::string& service, uint64_t gen,
                 const std::shared_ptr<path_scan>& state);
  bool current(const std::string& service, uint64_t gen) const;
  void finish_scan(const std::string& service, uint64_t gen, value_map values);
  void fail_scan(const std::string& service, uint64_t gen,
                 const std::string& why);
  /// Keeps a proxy alive until its reply arrived; destroyed later on the
  /// loop, never inside its own callback.
  uint64_t keep(std::unique_ptr<sdbus::IProxy> proxy);
  void drop(uint64_t id);

  sdbus::IConnection& conn_;
  dbus_thread& loop_;
  caf::actor discovery_;
  std::vector<sdbus::Slot> slots_;
  /// Unique name -> its BusItem signal match.
  std::map<std::string, sdbus::Slot> owner_matches_;
  std::unique_ptr<sdbus::IProxy> daemon_;
  std::map<std::string, std::string> owner_of_;
  std::map<std::string, std::set<std::string>> services_of_;
  std::map<std::string, route> routes_;
  std::map<uint64_t, std::unique_ptr<sdbus::IProxy>> pending_;
  uint64_t next_id_ = 1;
  uint64_t next_gen_ = 1;
  /// Odd-typed paths logged, per service (bounded).
  std::map<std::string, log_cap> odd_logged_;
};

} // namespace ba
