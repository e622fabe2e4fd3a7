#include "actors/discovery.hpp"

#include <algorithm>

#include "actors/lifecycle.hpp"
#include "actors/source.hpp"
#include "messages/log.hpp"
#include "messages/messages.hpp"

namespace ba {

namespace {

constexpr const char* battery_prefix = "com.victronenergy.battery.";
constexpr const char* settings_service = "com.victronenergy.settings";

} // namespace

discovery_state::~discovery_state() {
  // Sources are not linked to discovery: stop them when it stops.
  for (auto& [service, src] : sources)
    caf::anon_send_exit(src, caf::exit_reason::user_shutdown);
}

source_role role_of(const std::string& service, const config& cfg,
                    const std::set<std::string>& own_services) {
  if (service.compare(0, 26, battery_prefix) != 0)
    return source_role::other;
  if (own_services.count(service) != 0)
    return source_role::own;
  auto& ex = cfg.excluded_services;
  if (std::find(ex.begin(), ex.end(), service) != ex.end())
    return source_role::excluded;
  return source_role::member;
}

caf::behavior discovery_actor(caf::stateful_actor<discovery_state>* self,
                              config cfg, std::set<std::string> own_services,
                              caf::actor aggregator, caf::actor settings,
                              bus_port* bus) {
  log_lifecycle(self, "discovery");
  auto spawn_source = [=](const std::string& service) {
    auto src
        = self->spawn<caf::monitored>(source_actor, service, aggregator, bus);
    self->state.sources[service] = src;
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
      if (st.present.count(name) != 0)
        spawn_source(name);
      return;
    }
  });
  return {
      [=](const service_appeared& a) {
        if (a.service == settings_service) {
          self->send(settings, a);
          return;
        }
        switch (role_of(a.service, cfg, own_services)) {
          case source_role::member:
            break;
          case source_role::excluded:
            log(log_level::info, "discovery",
                a.service + ": excluded by config");
            return;
          default:
            return;
        }
        auto& st = self->state;
        st.present.insert(a.service);
        if (st.sources.count(a.service) != 0)
          return;
        log(log_level::info, "discovery", a.service + ": found");
        spawn_source(a.service);
      },
      [=](const service_vanished& v) {
        if (v.service == settings_service) {
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
  };
}

} // namespace ba
