#include "bus/bus_adapter.hpp"

#include <chrono>
#include <future>

#include <caf/send.hpp>
#include <sdbus-c++/Error.h>

#include "bus/guard.hpp"
#include "bus/value_conversion.hpp"
#include "logging/log.hpp"
#include "messages/paths.hpp"

namespace ba {

namespace {

constexpr const char* settings_service = "com.victronenergy.settings";
constexpr auto call_timeout = std::chrono::seconds(5);

int32_t instance_of(const std::vector<export_item>& items) {
  for (auto& item : items)
    if (item.path == paths::device_instance)
      return static_cast<int32_t>(item.val.number);
  return -1;
}

} // namespace

bus_adapter::bus_adapter(dbus_thread& loop, connection_factory factory,
                         fatal_handler on_fatal)
    : loop_(loop), factory_(std::move(factory)),
      on_fatal_(std::move(on_fatal)) {
  client_ = factory_();
  loop_.add_connection(client_);
}

bus_adapter::~bus_adapter() {
  // shutdown() ran on the loop; anything left goes with the connections.
}

void bus_adapter::release_all(std::chrono::milliseconds budget) {
  // Counted on the loop thread only; the promise is kept by the callbacks.
  struct tally {
    size_t pending = 1;
    /// A release answered with an error (its timeout included).
    bool unconfirmed = false;
    std::promise<void> all;
  };
  auto t = std::make_shared<tally>();
  auto all = t->all.get_future();
  loop_.call([this, t, budget] {
    auto one_done = [t](bool confirmed) {
      if (!confirmed)
        t->unconfirmed = true;
      if (--t->pending == 0)
        t->all.set_value();
    };
    // Not a structured binding: C++17 lambdas cannot capture one (clang,
    // which builds the fuzzers, refuses it).
    for (auto& entry : exported_) {
      auto& svc = entry.second;
      ++t->pending;
      guard_void("release name",
                 [&] { svc->release_name_async(budget, one_done); });
    }
    one_done(true);
  });
  // The call's own timeout may answer just before the wait ends: an error
  // reply is no confirmation either.
  if (all.wait_for(budget) != std::future_status::ready || t->unconfirmed)
    log(log_level::warning, "bus",
        "the bus daemon did not confirm the name release in "
            + std::to_string(budget.count()) + " ms; exiting anyway");
}

void bus_adapter::shutdown() {
  loop_.call([this] {
    pending_.clear();
    watcher_.reset();
    for (auto& [name, svc] : exported_)
      loop_.remove_connection(&svc->connection());
    exported_.clear();
  });
}

void bus_adapter::watch(const std::string& service, caf::actor sink,
                        caf::actor consumer, bool scan) {
  loop_.post([this, service, sink, consumer, scan] {
    if (watcher_)
      watcher_->watch(service, sink, consumer, scan);
  });
}

void bus_adapter::watch_paths(const std::string& service, caf::actor sink,
                              std::vector<std::string> paths) {
  loop_.post([this, service, sink, paths{std::move(paths)}] {
    if (watcher_)
      watcher_->watch_paths(service, sink, paths);
  });
}

void bus_adapter::probe(const std::string& service, caf::actor sink) {
  loop_.post([this, service, sink] {
    if (watcher_)
      watcher_->probe(service, sink);
  });
}

void bus_adapter::rebind(caf::actor discovery) {
  loop_.post([this, discovery] {
    if (watcher_) {
      watcher_->rebind(discovery);
      return;
    }
    watcher_ = std::make_unique<watcher>(*client_, loop_, discovery);
    watcher_->start();
  });
}

void bus_adapter::unwatch(const std::string& service, caf::actor_addr sink) {
  loop_.post([this, service, sink] {
    if (watcher_)
      watcher_->unwatch(service, sink);
  });
}

void bus_adapter::export_service(export_spec spec) {
  loop_.post([this, spec{std::move(spec)}] {
    try {
      do_export(spec);
    } catch (const std::exception& e) {
      // A name owned by someone else is a fatal start-up error (Venus
      // clients would see two batteries with one name otherwise).
      on_fatal_("cannot register " + spec.service + ": " + e.what());
    }
  });
}

void bus_adapter::do_export(const export_spec& spec) {
  auto i = exported_.find(spec.service);
  if (i != exported_.end()) {
    auto& svc = *i->second;
    // A restarted publisher takes over the service it left behind.
    svc.set_owner(spec.owner);
    svc.set_legacy_signals(spec.legacy_signals);
    if (svc.device_instance() == instance_of(spec.items)) {
      // Same identity (a publisher restarted): never leave the bus.
      svc.apply(spec.items, true);
    } else {
      // Re-registration: Venus clients read /DeviceInstance once per scan,
      // so they must see the name leave and come back.
      svc.release_name();
      svc.apply(spec.items, false);
      svc.claim_name();
    }
  } else {
    auto conn = factory_();
    auto svc = std::make_unique<exported_service>(conn, spec);
    loop_.add_connection(conn);
    svc->claim_name();
    exported_.emplace(spec.service, std::move(svc));
  }
  if (spec.owner)
    caf::anon_send(spec.owner,
                   service_registered{spec.service, instance_of(spec.items)});
}

void bus_adapter::update_service(const std::string& service,
                                 std::vector<export_item> changed) {
  loop_.post([this, service, changed{std::move(changed)}] {
    auto i = exported_.find(service);
    if (i == exported_.end())
      return;
    guard_void("update", [&] { i->second->apply(changed, true); });
  });
}

void bus_adapter::withdraw_service(const std::string& service) {
  loop_.post([this, service] {
    auto i = exported_.find(service);
    if (i == exported_.end())
      return;
    loop_.remove_connection(&i->second->connection());
    exported_.erase(i);
  });
}

void bus_adapter::add_settings(std::vector<setting_result> defaults,
                               caf::actor reply_to) {
  loop_.post([this, defaults{std::move(defaults)}, reply_to] {
    guard_void("AddSettings", [&] {
      std::vector<std::map<std::string, sdbus::Variant>> request;
      for (auto& d : defaults)
        request.push_back({{"path", sdbus::Variant{d.path}},
                           {"default", to_variant(d.current)}});
      auto proxy = sdbus::createProxy(*client_, settings_service, "/");
      auto* p = proxy.get();
      auto id = next_id_++;
      pending_.emplace(id, std::move(proxy));
      p->callMethodAsync("AddSettings")
          .onInterface("com.victronenergy.Settings")
          .withTimeout(call_timeout)
          .withArguments(request)
          .uponReplyInvoke(
              [this, id, reply_to](
                  const sdbus::Error* err,
                  std::vector<std::map<std::string, sdbus::Variant>> reply) {
                loop_.post([this, id] { pending_.erase(id); });
                guard_void("AddSettings reply", [&] {
                  if (err) {
                    caf::anon_send(
                        reply_to,
                        scan_failed{settings_service,
                                    err->getName() + ": " + err->getMessage()});
                    return;
                  }
                  settings_added result;
                  for (auto& entry : reply) {
                    setting_result r;
                    auto p = entry.find("path");
                    if (p != entry.end())
                      r.path = from_variant(p->second).str;
                    auto e = entry.find("error");
                    if (e != entry.end())
                      r.error = static_cast<int32_t>(
                          from_variant(e->second).num().value_or(-1));
                    auto v = entry.find("value");
                    if (v != entry.end())
                      r.current = from_variant(v->second);
                    result.results.push_back(std::move(r));
                  }
                  caf::anon_send(reply_to, std::move(result));
                });
              });
    });
  });
}

void bus_adapter::set_value(const std::string& service, const std::string& path,
                            value v) {
  loop_.post([this, service, path, v] {
    guard_void("SetValue", [&] {
      auto proxy = sdbus::createProxy(*client_, service, path);
      auto* p = proxy.get();
      auto id = next_id_++;
      pending_.emplace(id, std::move(proxy));
      p->callMethodAsync("SetValue")
          .onInterface("com.victronenergy.BusItem")
          .withTimeout(call_timeout)
          .withArguments(to_variant(v))
          .uponReplyInvoke([this, id, service, path](const sdbus::Error* err,
                                                     int32_t rc) {
            loop_.post([this, id] { pending_.erase(id); });
            if (err)
              log(log_level::warning, "bus",
                  "SetValue " + service + path + " failed: " + err->getName());
            else if (rc != 0)
              log(log_level::warning, "bus",
                  "SetValue " + service + path + " refused with "
                      + std::to_string(rc));
          });
    });
  });
}

} // namespace ba
