#pragma once

// A bus_port that records every call, for deterministic actor tests: the
// test then plays the D-Bus side by injecting the messages the real bus
// would send.

#include <string>
#include <vector>

#include "messages/bus_port.hpp"
#include "tests/unit/rule_test_support.hpp"

namespace ba::test {

class fake_bus : public bus_port {
 public:
  struct watch_call {
    std::string service;
    caf::actor sink;
    caf::actor consumer;
    bool scan;
  };
  struct update_call {
    std::string service;
    std::vector<export_item> items;
  };
  struct set_call {
    std::string service;
    std::string path;
    value val;
  };

  struct path_watch_call {
    std::string service;
    caf::actor sink;
    std::vector<std::string> paths;
  };

  std::vector<watch_call> watches;
  std::vector<path_watch_call> path_watches;
  std::vector<std::string> unwatches;
  std::vector<std::string> probes;
  std::vector<caf::actor> rebinds;
  std::vector<export_spec> exports;
  std::vector<update_call> updates;
  std::vector<std::string> withdrawals;
  std::vector<std::vector<setting_result>> settings_calls;
  std::vector<set_call> sets;

  void watch(const std::string& service, caf::actor sink, caf::actor consumer,
             bool scan) override {
    watches.push_back({service, std::move(sink), std::move(consumer), scan});
  }
  void watch_paths(const std::string& service, caf::actor sink,
                   std::vector<std::string> paths) override {
    path_watches.push_back({service, std::move(sink), std::move(paths)});
  }
  void probe(const std::string& service, caf::actor) override {
    probes.push_back(service);
  }
  void rebind(caf::actor discovery) override {
    rebinds.push_back(std::move(discovery));
  }
  void unwatch(const std::string& service, caf::actor_addr) override {
    unwatches.push_back(service);
  }
  void export_service(export_spec spec) override {
    exports.push_back(std::move(spec));
  }
  void update_service(const std::string& service,
                      std::vector<export_item> changed) override {
    updates.push_back({service, std::move(changed)});
  }
  void withdraw_service(const std::string& service) override {
    withdrawals.push_back(service);
  }
  void add_settings(std::vector<setting_result> defaults, caf::actor) override {
    settings_calls.push_back(std::move(defaults));
  }
  void set_value(const std::string& service, const std::string& path,
                 value v) override {
    sets.push_back({service, path, std::move(v)});
  }

  /// The value of `path` in an export or update, or `absent` (a text marker,
  /// so that it never equals an invalid value).
  static value find(const std::vector<export_item>& items,
                    const std::string& path) {
    for (auto& i : items)
      if (i.path == path)
        return i.val;
    return absent;
  }
};

} // namespace ba::test
