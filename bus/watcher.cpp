#include "bus/watcher.hpp"

#include <chrono>

#include <caf/send.hpp>
#include <sdbus-c++/Error.h>

#include "bus/guard.hpp"
#include "bus/signal_decode.hpp"
#include "logging/log.hpp"
#include "messages/messages.hpp"
#include "messages/path_table.hpp"
#include "messages/paths.hpp"

namespace ba {

namespace {

constexpr const char* busitem = "com.victronenergy.BusItem";
constexpr const char* venus_prefix = "com.victronenergy.";
constexpr auto scan_timeout = std::chrono::seconds(5);
/// product.md 1.1: the liveness probe's timeout.
constexpr auto probe_timeout = std::chrono::seconds(2);

bool is_venus(const std::string& name) {
  return name.compare(0, 18, venus_prefix) == 0;
}

/// Calls in flight per service while reading path by path: a service that
/// never answers must not use up the connection's reply quota (128 on a
/// Venus system bus), or the probes of healthy services are refused.
constexpr size_t max_scan_calls = 4;

/// The service answered, but has no such method or object: an older velib
/// service or a C driver, to be read another way.
bool lacks_method(const sdbus::Error& e) {
  auto& name = e.getName();
  return name == "org.freedesktop.DBus.Error.UnknownMethod"
         || name == "org.freedesktop.DBus.Error.UnknownObject"
         || name == "org.freedesktop.DBus.Error.UnknownInterface";
}

/// The bus daemon refused to pass the call on (our reply quota): says
/// nothing about the service.
bool refused_by_bus(const sdbus::Error& e) {
  return e.getName() == "org.freedesktop.DBus.Error.LimitsExceeded";
}

std::string describe(const sdbus::Error& e) {
  return e.getName() + ": " + e.getMessage();
}

} // namespace

watcher::watcher(sdbus::IConnection& conn, dbus_thread& loop,
                 caf::actor discovery)
    : conn_(conn), loop_(loop), discovery_(std::move(discovery)) {
  // nop
}

watcher::~watcher() {
  owner_matches_.clear();
  slots_.clear();
  pending_.clear();
}

const std::vector<std::string>& watcher::legacy_scan_paths() {
  static const std::vector<std::string> paths = [] {
    std::vector<std::string> result{paths::connected, paths::custom_name,
                                    paths::product_name,
                                    paths::device_instance};
    for (auto& row : path_table())
      if (row.path != result[0] && row.path != result[1]
          && row.path != result[2] && row.path != result[3])
        result.emplace_back(row.path);
    return result;
  }();
  return paths;
}

void watcher::start() {
  // Subscribe before ListNames, so that no name falls between the two.
  slots_.push_back(conn_.addMatch(
      "type='signal',sender='org.freedesktop.DBus',"
      "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
      "arg0namespace='com.victronenergy'",
      [this](sdbus::Message& m) {
        guard_void("NameOwnerChanged", [&] { on_name_owner_changed(m); });
      }));
  daemon_ = sdbus::createProxy(conn_, "org.freedesktop.DBus",
                               "/org/freedesktop/DBus");
  daemon_->callMethodAsync("ListNames")
      .onInterface("org.freedesktop.DBus")
      .withTimeout(scan_timeout)
      .uponReplyInvoke(
          [this](const sdbus::Error* err, std::vector<std::string> names) {
            guard_void("ListNames", [&] {
              if (err) {
                log(log_level::error, "bus",
                    "ListNames failed: " + std::string{err->getMessage()});
                return;
              }
              for (auto& name : names) {
                if (!is_venus(name) || owner_of_.count(name) != 0)
                  continue;
                daemon_->callMethodAsync("GetNameOwner")
                    .onInterface("org.freedesktop.DBus")
                    .withTimeout(scan_timeout)
                    .withArguments(name)
                    .uponReplyInvoke(
                        [this, name](const sdbus::Error* e, std::string owner) {
                          guard_void("GetNameOwner", [&] {
                            // Gone meanwhile, or already reported by the
                            // signal.
                            if (e == nullptr && owner_of_.count(name) == 0)
                              appeared(name, owner);
                          });
                        });
              }
            });
          });
}

void watcher::on_name_owner_changed(sdbus::Message& msg) {
  std::string name, old_owner, new_owner;
  msg >> name >> old_owner >> new_owner;
  if (!is_venus(name))
    return;
  if (!old_owner.empty())
    vanished(name);
  if (!new_owner.empty())
    appeared(name, new_owner);
}

void watcher::update_matches() {
  std::set<std::string> wanted;
  for (auto& [service, r] : routes_) {
    auto o = owner_of_.find(service);
    if (o != owner_of_.end())
      wanted.insert(o->second);
  }
  for (auto i = owner_matches_.begin(); i != owner_matches_.end();)
    i = wanted.count(i->first) != 0 ? std::next(i) : owner_matches_.erase(i);
  for (auto& owner : wanted) {
    if (owner_matches_.count(owner) != 0)
      continue;
    try {
      owner_matches_.emplace(
          owner, conn_.addMatch("type='signal',sender='" + owner
                                    + "',interface='com.victronenergy.BusItem'",
                                [this](sdbus::Message& m) {
                                  guard_void("BusItem signal",
                                             [&] { on_busitem_signal(m); });
                                }));
    } catch (const sdbus::Error& e) {
      // The daemon refused (match limit): that source's changes are lost,
      // say so; its scans and the staleness check still work.
      log(log_level::error, "bus",
          "cannot follow the signals of " + owner + ": " + e.getMessage());
    }
  }
}

void watcher::on_busitem_signal(sdbus::Message& msg) {
  auto member = msg.getMemberName();
  if (member == "ItemsChanged")
    on_items_changed(msg);
  else if (member == "PropertiesChanged")
    on_properties_changed(msg);
}

void watcher::appeared(const std::string& service, const std::string& owner) {
  auto i = owner_of_.find(service);
  if (i != owner_of_.end()) {
    if (i->second == owner)
      return;
    vanished(service);
  }
  owner_of_[service] = owner;
  services_of_[owner].insert(service);
  update_matches();
  caf::anon_send(discovery_, service_appeared{service, owner});
}

void watcher::vanished(const std::string& service) {
  auto i = owner_of_.find(service);
  if (i == owner_of_.end())
    return;
  auto j = services_of_.find(i->second);
  if (j != services_of_.end()) {
    j->second.erase(service);
    if (j->second.empty())
      services_of_.erase(j);
  }
  owner_of_.erase(i);
  // A scan still under way belongs to the old owner: forget it.
  auto r = routes_.find(service);
  if (r != routes_.end())
    r->second.scan_generation = 0;
  update_matches();
  caf::anon_send(discovery_, service_vanished{service});
}

void watcher::on_items_changed(sdbus::Message& msg) {
  auto j = services_of_.find(msg.getSender());
  if (j == services_of_.end())
    return;
  // Only now pay for deserialising: most signals on a GX are not ours.
  bool routed = false;
  for (auto& s : j->second)
    routed = routed || routes_.count(s) != 0;
  if (!routed)
    return;
  std::vector<std::string> odd;
  bool bad = false;
  auto values = decode_items_changed(msg, &odd, &bad);
  if (bad) {
    log_odd(*j->second.begin(), "/",
            "ItemsChanged with an unexpected signature");
    return;
  }
  for (auto& path : odd)
    log_odd(*j->second.begin(), path, "a value of an unexpected D-Bus type");
  forward(j->second, values);
}

void watcher::forward(const std::set<std::string>& services,
                      const value_map& values) {
  if (values.empty())
    return;
  for (auto& s : services) {
    auto r = routes_.find(s);
    if (r == routes_.end())
      continue;
    if (r->second.only.empty()) {
      caf::anon_send(r->second.consumer, source_values{s, values, false});
      continue;
    }
    value_map wanted;
    for (auto& [path, v] : values)
      if (r->second.only.count(path) != 0)
        wanted.emplace(path, v);
    if (!wanted.empty())
      caf::anon_send(r->second.consumer,
                     source_values{s, std::move(wanted), false});
  }
}

void watcher::on_properties_changed(sdbus::Message& msg) {
  auto j = services_of_.find(msg.getSender());
  if (j == services_of_.end())
    return;
  bool routed = false;
  for (auto& s : j->second)
    routed = routed || routes_.count(s) != 0;
  if (!routed)
    return;
  bool odd = false;
  bool bad = false;
  auto v = decode_properties_changed(msg, &odd, &bad);
  // Once per source, whichever path it comes on (a driver repeats it at
  // its update rate).
  if (bad)
    log_odd(*j->second.begin(), "(PropertiesChanged)",
            "PropertiesChanged with an unexpected signature, dropped");
  if (odd)
    log_odd(*j->second.begin(), msg.getPath(),
            "a value of an unexpected D-Bus type");
  if (!v)
    return;
  forward(j->second, value_map{{msg.getPath(), *v}});
}

void watcher::log_odd(const std::string& service, const std::string& path,
                      const std::string& what) {
  // Once per source and path (product.md 5), for a bounded number of paths
  // per source, then one summary line (see log_cap).
  switch (odd_logged_[service].note(path)) {
    case log_cap::verdict::log:
      log(log_level::warning, "bus",
          service + " " + path + ": " + what + " (taken as invalid)");
      break;
    case log_cap::verdict::summary:
      log(log_level::warning, "bus",
          service + ": more values of unexpected D-Bus types, not logged");
      break;
    case log_cap::verdict::quiet:
      break;
  }
}

void watcher::watch(const std::string& service, caf::actor sink,
                    caf::actor consumer, bool scan) {
  routes_[service] = route{std::move(sink), std::move(consumer), 0, {}};
  update_matches();
  if (scan)
    this->scan(service);
}

void watcher::watch_paths(const std::string& service, caf::actor sink,
                          const std::vector<std::string>& paths) {
  auto& r = routes_[service];
  r = route{sink, sink, 0, std::set<std::string>(paths.begin(), paths.end())};
  update_matches();
  for (auto& path : paths) {
    auto proxy = sdbus::createProxy(conn_, service, path);
    auto* p = proxy.get();
    auto id = keep(std::move(proxy));
    p->callMethodAsync("GetValue")
        .onInterface(busitem)
        .withTimeout(scan_timeout)
        .uponReplyInvoke([this, id, service, path,
                          sink](const sdbus::Error* err, sdbus::Variant v) {
          drop(id);
          guard_void("GetValue", [&] {
            // Absent (UnknownObject) or not answering: invalid, which the
            // consumer reads as "not set" (DVCC off, no user limit).
            auto val = err == nullptr ? from_variant(v) : value::invalid();
            caf::anon_send(sink, source_values{service, {{path, val}}, false});
          });
        });
  }
}

void watcher::probe(const std::string& service, caf::actor sink) {
  auto proxy = sdbus::createProxy(conn_, service, paths::connected);
  auto* p = proxy.get();
  auto id = keep(std::move(proxy));
  p->callMethodAsync("GetValue")
      .onInterface(busitem)
      .withTimeout(probe_timeout)
      .uponReplyInvoke([this, id, service, sink](const sdbus::Error* err,
                                                 sdbus::Variant v) {
        drop(id);
        guard_void("probe", [&] {
          // Any answer is life; only silence (or a vanished name) is not.
          // A call the bus daemon refused (our reply quota) never reached
          // the service: no verdict, so it is not held against it.
          bool ok
              = err == nullptr || lacks_method(*err) || refused_by_bus(*err);
          if (err != nullptr && refused_by_bus(*err))
            log(log_level::debug, "bus",
                service + ": probe refused by the bus (" + describe(*err)
                    + "), not judged");
          auto connected = err == nullptr ? from_variant(v) : value::invalid();
          caf::anon_send(sink, probe_result{service, ok, connected});
        });
      });
}

void watcher::rebind(caf::actor discovery) {
  discovery_ = std::move(discovery);
  // Routes belong to the old actors; the new ones ask again.
  routes_.clear();
  update_matches();
  for (auto& [service, owner] : owner_of_)
    caf::anon_send(discovery_, service_appeared{service, owner});
  // A restarted bank stops waiting for a source that is not among them.
  caf::anon_send(discovery_, listed_atom::value);
}

void watcher::unwatch(const std::string& service, const caf::actor_addr& sink) {
  auto r = routes_.find(service);
  if (r != routes_.end() && r->second.sink.address() == sink) {
    routes_.erase(r);
    update_matches();
  }
}

bool watcher::current(const std::string& service, uint64_t gen) const {
  auto r = routes_.find(service);
  return r != routes_.end() && r->second.scan_generation == gen;
}

void watcher::finish_scan(const std::string& service, uint64_t gen,
                          value_map values) {
  if (!current(service, gen))
    return;
  auto& r = routes_[service];
  r.scan_generation = 0;
  caf::anon_send(r.consumer, source_values{service, std::move(values), true});
}

void watcher::fail_scan(const std::string& service, uint64_t gen,
                        const std::string& why) {
  if (!current(service, gen))
    return;
  auto& r = routes_[service];
  r.scan_generation = 0;
  caf::anon_send(r.sink, scan_failed{service, why});
}

uint64_t watcher::keep(std::unique_ptr<sdbus::IProxy> proxy) {
  auto id = next_id_++;
  pending_.emplace(id, std::move(proxy));
  return id;
}

void watcher::drop(uint64_t id) {
  loop_.post([this, id] { pending_.erase(id); });
}

void watcher::scan(const std::string& service) {
  auto gen = next_gen_++;
  routes_[service].scan_generation = gen;
  auto proxy = sdbus::createProxy(conn_, service, "/");
  auto* p = proxy.get();
  auto id = keep(std::move(proxy));
  p->callMethodAsync("GetItems")
      .onInterface(busitem)
      .withTimeout(scan_timeout)
      .uponReplyInvoke([this, service, gen, id](const sdbus::Error* err,
                                                items_dict items) {
        drop(id);
        guard_void("GetItems", [&] {
          if (err == nullptr) {
            value_map values;
            for (auto& [path, dict] : items) {
              auto v = dict.find("Value");
              bool odd = false;
              values[path] = v == dict.end() ? value::invalid()
                                             : from_variant(v->second, &odd);
              if (odd)
                log_odd(service, path, "a value of an unexpected D-Bus type");
            }
            finish_scan(service, gen, std::move(values));
            return;
          }
          // Only a service that answered without GetItems is read another
          // way; one that did not answer is asked again later (a fallback
          // to ~90 GetValue calls would only queue more unanswered calls).
          if (!lacks_method(*err)) {
            fail_scan(service, gen, "GetItems: " + describe(*err));
            return;
          }
          // Older velib services and C drivers lack GetItems.
          log(log_level::debug, "bus",
              service + ": GetItems failed (" + err->getName()
                  + "), trying GetValue /");
          scan_root_value(service, gen);
        });
      });
}

void watcher::scan_root_value(const std::string& service, uint64_t gen) {
  if (!current(service, gen))
    return;
  auto proxy = sdbus::createProxy(conn_, service, "/");
  auto* p = proxy.get();
  auto id = keep(std::move(proxy));
  p->callMethodAsync("GetValue")
      .onInterface(busitem)
      .withTimeout(scan_timeout)
      .uponReplyInvoke(
          [this, service, gen, id](const sdbus::Error* err, sdbus::Variant v) {
            drop(id);
            guard_void("GetValue /", [&] {
              using dict = std::map<std::string, sdbus::Variant>;
              if (err == nullptr && v.containsValueOfType<dict>()) {
                value_map values;
                for (auto& [key, val] : v.get<dict>())
                  values["/" + key] = from_variant(val);
                finish_scan(service, gen, std::move(values));
                return;
              }
              if (err != nullptr && !lacks_method(*err)) {
                fail_scan(service, gen, "GetValue /: " + describe(*err));
                return;
              }
              // aiovelib answers `/` with invalid: read path by path.
              scan_paths(service, gen);
            });
          });
}

void watcher::scan_paths(const std::string& service, uint64_t gen) {
  if (!current(service, gen))
    return;
  scan_more(service, gen, std::make_shared<path_scan>());
}

void watcher::scan_more(const std::string& service, uint64_t gen,
                        const std::shared_ptr<path_scan>& state) {
  auto& paths = legacy_scan_paths();
  while (!state->done && state->outstanding < max_scan_calls
         && state->next < paths.size()) {
    auto& path = paths[state->next++];
    ++state->outstanding;
    auto proxy = sdbus::createProxy(conn_, service, path);
    auto* p = proxy.get();
    auto id = keep(std::move(proxy));
    p->callMethodAsync("GetValue")
        .onInterface(busitem)
        .withTimeout(scan_timeout)
        .uponReplyInvoke([this, service, gen, id, path,
                          state](const sdbus::Error* err, sdbus::Variant v) {
          drop(id);
          guard_void("GetValue", [&] {
            --state->outstanding;
            if (state->done)
              return;
            if (!current(service, gen)) {
              state->done = true;
              return;
            }
            if (err == nullptr) {
              state->values[path] = from_variant(v);
            } else if (!lacks_method(*err)) {
              // Silent or refused: give up this scan, the source retries.
              state->done = true;
              fail_scan(service, gen,
                        "GetValue " + path + ": " + describe(*err));
              return;
            }
            // UnknownObject: the service does not have that path; skip it.
            if (state->next < legacy_scan_paths().size()) {
              scan_more(service, gen, state);
              return;
            }
            if (state->outstanding != 0)
              return;
            state->done = true;
            if (state->values.empty())
              fail_scan(service, gen, "no readable path");
            else
              finish_scan(service, gen, std::move(state->values));
          });
        });
  }
}

} // namespace ba
