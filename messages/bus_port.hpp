#pragma once

// What the actors may ask of the D-Bus side. Every call is non-blocking and
// thread-safe; results come back as messages to the actor named in the call.
// bus/ implements it on the one D-Bus thread; actor tests use a recording
// fake, so actors never see sdbus-c++.

#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>

#include "messages/messages.hpp"
#include "messages/path_table.hpp"
#include "messages/value.hpp"

namespace ba {

/// One published path: its value already rounded and typed for the wire
/// (real -> d, integer -> i, text -> s, invalid -> empty ai) and its text.
struct export_item {
  std::string path;
  value val;
  std::string text;
  writable write = writable::no;
};

bool operator==(const export_item& x, const export_item& y);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, export_item& x) {
  return f(caf::meta::type_name("export_item"), x.path, x.val, x.text, x.write);
}

struct export_spec {
  std::string service;
  std::vector<export_item> items;
  bool legacy_signals = false;
  /// Receives `path_written` and `service_registered`.
  caf::actor owner;
};

class bus_port {
 public:
  virtual ~bus_port();

  /// Route the values of `service` to `consumer` as `source_values`; with
  /// `scan`, read the whole service first (GetItems, then the legacy
  /// fallbacks) and send it to `consumer` as one complete `source_values`
  /// (in order with the signals), or `scan_failed` to `sink`. `sink` (the
  /// source actor) owns the route.
  virtual void watch(const std::string& service, caf::actor sink,
                     caf::actor consumer, bool scan)
      = 0;

  /// Route only `paths` of `service` to `sink`, and read each of them once
  /// (GetValue; a path the service lacks arrives as invalid). For services
  /// such as settings and systemcalc whose other paths change all the time.
  virtual void watch_paths(const std::string& service, caf::actor sink,
                           std::vector<std::string> paths)
      = 0;

  /// Liveness probe: an asynchronous GetValue of /Connected with a 2 s
  /// timeout; answers `probe_result` to `sink`.
  virtual void probe(const std::string& service, caf::actor sink) = 0;

  /// A new discovery actor (after a restart): it gets a `service_appeared`
  /// for every name already on the bus.
  virtual void rebind(caf::actor discovery) = 0;

  /// Stop routing `service`, but only if it is still routed to `sink` (a
  /// restarted source may already have taken the route over).
  virtual void unwatch(const std::string& service, caf::actor_addr sink) = 0;

  /// Export every item, then claim the name; for a service already exported,
  /// release the name, apply the items, and claim it again (how Venus clients
  /// learn a new device instance). Answers `service_registered` to the owner.
  virtual void export_service(export_spec spec) = 0;

  /// Apply changed items to the bus cache and send them as one ItemsChanged.
  virtual void update_service(const std::string& service,
                              std::vector<export_item> changed)
      = 0;

  /// Release the name and remove every object.
  virtual void withdraw_service(const std::string& service) = 0;

  /// AddSettings on com.victronenergy.settings with (path, default) pairs;
  /// answers `settings_added`, or `scan_failed` when the call fails.
  virtual void add_settings(std::vector<setting_result> defaults,
                            caf::actor reply_to)
      = 0;

  /// Fire-and-forget SetValue (a failure is logged by the bus side).
  virtual void set_value(const std::string& service, const std::string& path,
                         value v)
      = 0;
};

} // namespace ba
