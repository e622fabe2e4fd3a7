#include "actors/discovery.hpp"

#include <algorithm>
#include <chrono>

#include "actors/lifecycle.hpp"
#include "actors/source.hpp"
#include "logging/log.hpp"
#include "messages/messages.hpp"
#include "messages/protocols.hpp"

namespace ba {

namespace {

constexpr const char* settings_service = "com.victronenergy.settings";
constexpr const char* system_service = "com.victronenergy.system";

} // namespace

discovery_state::~discovery_state() {
  // Sources are not linked to discovery: stop them when it stops.
  for (auto& [service, src] : sources)
    caf::anon_send_exit(src, caf::exit_reason::user_shutdown);
}

caf::behavior discovery_actor(caf::stateful_actor<discovery_state>* self,
                              config cfg, std::set<std::string> own_services,
                              caf::actor aggregator, caf::actor settings,
                              bus_port* bus) {
  log_lifecycle(self, "discovery");
  self->state.cfg = cfg;
  auto spawn_source = [=](const std::string& service) {
    source_timing timing;
    timing.stale_timeout = std::chrono::milliseconds(
        static_cast<int64_t>(self->state.cfg.stale_timeout * 1000));
    timing.retry = std::min<caf::timespan>(timing.stale_timeout,
                                           std::chrono::seconds(5));
    auto src = self->spawn<caf::monitored>(source_actor, service, aggregator,
                                           bus, timing);
    self->state.sources[service] = src;
  };
  // The aggregator classifies sources again once their /CustomName is known
  // (`name:` entries); here only what the name alone tells: our own
  // services, other classes, exact exclusions.
  auto wanted = [=](const std::string& service) {
    return contributes(
        classify(service, "", self->state.cfg, own_services).role);
  };
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    for (auto& [service, src] : st.sources) {
      if (src.address() != dm.source)
        continue;
      // Still in the map, so it did not end because its service left.
      auto name = service;
      log(log_level::error, "health",
          "source:" + name + " crashed (" + describe_exit(dm.reason)
              + "), restarting");
      st.sources.erase(name);
      self->send(aggregator, member_removed{name});
      if (st.present.count(name) != 0 && wanted(name))
        spawn_source(name);
      return;
    }
  });
  return checked_behavior<discovery_protocol>(
      [=](const service_appeared& a) {
        if (a.service == settings_service || a.service == system_service) {
          self->send(settings, a);
          return;
        }
        auto role = classify(a.service, "", self->state.cfg, own_services).role;
        if (role == source_role::other || role == source_role::own)
          return;
        auto& st = self->state;
        st.present.insert(a.service);
        if (!wanted(a.service)) {
          log(log_level::info, "discovery", a.service + ": excluded by config");
          return;
        }
        if (st.sources.count(a.service) != 0)
          return;
        log(log_level::info, "discovery", a.service + ": found");
        spawn_source(a.service);
      },
      [=](const service_vanished& v) {
        if (v.service == settings_service || v.service == system_service) {
          self->send(settings, v);
          return;
        }
        auto& st = self->state;
        st.present.erase(v.service);
        auto i = st.sources.find(v.service);
        if (i == st.sources.end())
          return;
        log(log_level::info, "discovery", v.service + ": left the bus");
        auto src = i->second;
        st.sources.erase(i);
        self->send(src, lost_atom::value);
      },
      [=](listed_atom) {
        auto& st = self->state;
        self->send(aggregator, services_listed{std::vector<std::string>(
                                   st.present.begin(), st.present.end())});
      },
      [=](const config_ptr& next) {
        // Reload: follow sources newly excluded or no longer excluded.
        auto& st = self->state;
        st.cfg = *next;
        for (auto& service : st.present) {
          auto i = st.sources.find(service);
          bool want = wanted(service);
          if (want && i == st.sources.end()) {
            log(log_level::info, "discovery", service + ": no longer excluded");
            spawn_source(service);
          } else if (!want && i != st.sources.end()) {
            log(log_level::info, "discovery", service + ": excluded by config");
            auto src = i->second;
            st.sources.erase(i);
            caf::anon_send_exit(src, caf::exit_reason::user_shutdown);
            self->send(aggregator, member_removed{service});
          }
        }
      });
}

} // namespace ba
