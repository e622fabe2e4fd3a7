#pragma once

// bus_port on the D-Bus thread: every call is posted as a job, so actors
// never block on the bus and never touch sdbus-c++.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

#include "messages/bus_port.hpp"
#include "bus/dbus_thread.hpp"
#include "bus/exporter.hpp"
#include "bus/watcher.hpp"

namespace ba {

class bus_adapter : public bus_port {
 public:
  using connection_factory
      = std::function<std::shared_ptr<sdbus::IConnection>()>;
  using fatal_handler = std::function<void(const std::string&)>;

  /// `factory` opens a new connection to the same bus: every exported
  /// service gets its own, since D-Bus object paths are per connection.
  bus_adapter(dbus_thread& loop, connection_factory factory,
              fatal_handler on_fatal);
  ~bus_adapter() override;

  /// Releases every exported name (shutdown, first step), waiting at most
  /// `budget` for the bus daemon's answers.
  void release_all(std::chrono::milliseconds budget);

  /// Destroys proxies, objects and the watcher on the loop thread.
  void shutdown();

  void watch(const std::string& service, caf::actor sink, caf::actor consumer,
             bool scan) override;
  void watch_paths(const std::string& service, caf::actor sink,
                   std::vector<std::string> paths) override;
  void unwatch(const std::string& service, caf::actor_addr sink) override;
  void probe(const std::string& service, caf::actor sink) override;
  /// The first call creates the watcher on the client connection and
  /// starts it; later ones hand it to a new discovery actor.
  void rebind(caf::actor discovery) override;
  void export_service(export_spec spec) override;
  void update_service(const std::string& service,
                      std::vector<export_item> changed) override;
  void withdraw_service(const std::string& service) override;
  void add_settings(std::vector<setting_result> defaults,
                    caf::actor reply_to) override;
  void set_value(const std::string& service, const std::string& path,
                 value v) override;

 private:
  void do_export(const export_spec& spec);

  dbus_thread& loop_;
  connection_factory factory_;
  fatal_handler on_fatal_;
  std::shared_ptr<sdbus::IConnection> client_;
  std::unique_ptr<watcher> watcher_;
  std::map<std::string, std::unique_ptr<exported_service>> exported_;
  std::map<uint64_t, std::unique_ptr<sdbus::IProxy>> pending_;
  uint64_t next_id_ = 1;
};

} // namespace ba
