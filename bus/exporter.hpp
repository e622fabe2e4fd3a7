#pragma once

// One exported Venus service on its own connection: a D-Bus object per leaf,
// per intermediate node and `/`, all answering from a value cache that lives
// on the D-Bus thread (so a slow actor never delays a reader). Objects are
// registered before the name is claimed, as Venus clients scan a service the
// moment its name appears.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IObject.h>

#include "messages/bus_port.hpp"
#include "bus/value_conversion.hpp"

namespace ba {

class exported_service {
 public:
  exported_service(std::shared_ptr<sdbus::IConnection> conn,
                   const export_spec& spec);
  ~exported_service();

  const std::string& name() const {
    return name_;
  }
  sdbus::IConnection& connection() {
    return *conn_;
  }

  /// Throws sdbus::Error when the name is taken.
  void claim_name();
  void release_name();
  /// Releases the name without waiting: `done` runs on the loop thread at
  /// the reply (true) or at an error or after `timeout` (false). A frozen
  /// bus daemon cannot hold up shutdown (sd-bus's own call waits 25 s).
  void release_name_async(std::chrono::microseconds timeout,
                          std::function<void(bool)> done);
  bool owns_name() const {
    return owns_name_;
  }

  void set_owner(caf::actor owner) {
    owner_ = std::move(owner);
  }

  void set_legacy_signals(bool on) {
    legacy_signals_ = on;
  }

  /// The /DeviceInstance in the cache, or -1.
  int32_t device_instance() const;

  /// Updates the cache (creating objects for new paths) and, with `emit`,
  /// sends one ItemsChanged with the items whose value or text changed.
  /// Returns the number of signals sent.
  size_t apply(const std::vector<export_item>& items, bool emit);

 private:
  struct entry {
    value val;
    std::string text;
    writable write = writable::no;
  };

  void ensure_objects(const std::string& path);
  void add_node(const std::string& path);
  int32_t set_value(const std::string& path, const sdbus::Variant& v);
  /// Sends the cached values of `paths` (keys of cache_; sorted and made
  /// unique here) as one ItemsChanged (and PropertiesChanged each, in the
  /// legacy mode).
  using cache_entry = std::pair<const std::string, entry>;
  void emit_changes(std::vector<cache_entry*>& paths);
  std::map<std::string, sdbus::Variant> node_values(const std::string& node);
  std::map<std::string, std::string> node_texts(const std::string& node);

  std::shared_ptr<sdbus::IConnection> conn_;
  std::string name_;
  bool legacy_signals_;
  caf::actor owner_;
  bool owns_name_ = false;
  std::unique_ptr<sdbus::IProxy> release_proxy_;
  std::map<std::string, entry> cache_;
  std::map<std::string, std::unique_ptr<sdbus::IObject>> objects_;
  /// Reused per update (no allocation once grown).
  std::vector<cache_entry*> changed_;
  std::vector<item_ref> items_;
  sdbus::IObject* root_ = nullptr;
};

} // namespace ba
