#include "actors/supervisor.hpp"

#include <chrono>
#include <set>

#include "actors/aggregator.hpp"
#include "actors/discovery.hpp"
#include "actors/health.hpp"
#include "actors/lifecycle.hpp"
#include "actors/publisher.hpp"
#include "actors/roles.hpp"
#include "actors/settings.hpp"
#include "messages/log.hpp"
#include "messages/messages.hpp"

namespace ba {

namespace {

/// Preferred VRM instance of the main aggregate (the Python add-on's).
constexpr int32_t preferred_instance = 1024;

} // namespace

supervisor_state::~supervisor_state() {
  // The children are not linked: stop them with the supervisor.
  for (auto* a : {&discovery, &aggregator, &publisher, &settings, &health})
    if (*a)
      caf::anon_send_exit(*a, caf::exit_reason::user_shutdown);
}

caf::behavior supervisor_actor(caf::stateful_actor<supervisor_state>* self,
                               config cfg, bus_port* bus) {
  log_lifecycle(self, "supervisor");
  self->state.cfg = cfg;
  auto start_all = [=](bool restarted) {
    auto& st = self->state;
    auto& cfg = st.cfg;
    auto suffix = service_suffix(cfg.service_name);
    st.settings = self->spawn<caf::monitored>(settings_actor, bus);
    st.publisher = self->spawn<caf::monitored>(
        publisher_actor, cfg, cfg.service_name,
        std::string{"Battery Aggregator"}, bus, st.settings, restarted);
    st.aggregator
        = self->spawn<caf::monitored>(aggregator_actor, cfg, st.publisher);
    self->send(st.settings, caf::add_atom::value, cfg.service_name,
               std::string{"BatteryAggregator"}, suffix, preferred_instance,
               st.publisher);
    self->send(st.settings, ready_atom::value, st.aggregator);
    self->send(st.publisher, ready_atom::value, st.aggregator);
    st.discovery = self->spawn<caf::monitored>(discovery_actor, cfg,
                                               exported_services(cfg),
                                               st.aggregator, st.settings, bus);
    st.health
        = self->spawn<caf::monitored>(health_actor, st.aggregator, st.publisher,
                                      caf::timespan{std::chrono::minutes(1)});
    // Names already on the bus are announced to the (new) discovery.
    bus->rebind(st.discovery);
  };
  auto stop_all = [=] {
    auto& st = self->state;
    for (auto* a : {&st.discovery, &st.aggregator, &st.publisher, &st.settings,
                    &st.health}) {
      if (*a)
        caf::anon_send_exit(*a, caf::exit_reason::user_shutdown);
      *a = caf::actor{};
    }
  };
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    const char* who = nullptr;
    if (dm.source == st.settings.address())
      who = "settings";
    else if (dm.source == st.publisher.address())
      who = "publisher";
    else if (dm.source == st.aggregator.address())
      who = "aggregator";
    else if (dm.source == st.discovery.address())
      who = "discovery";
    else if (dm.source == st.health.address())
      who = "health";
    // Old children stopping during a restart, or a clean stop.
    if (who == nullptr || !dm.reason
        || dm.reason == caf::exit_reason::user_shutdown)
      return;
    log(log_level::error, "supervisor",
        std::string{who} + " crashed (" + describe_exit(dm.reason)
            + "), restarting all actors");
    stop_all();
    ++st.restarts;
    start_all(true);
    log(log_level::info, "supervisor", "actors restarted");
  });
  start_all(false);
  return {
      [=](const config_ptr& next) {
        auto& st = self->state;
        if (next->service_name != st.cfg.service_name) {
          // A new name cannot be had without leaving the bus: release the
          // old one, then start over under the new one.
          log(log_level::info, "supervisor",
              "serviceName changed: " + st.cfg.service_name + " -> "
                  + next->service_name);
          bus->withdraw_service(st.cfg.service_name);
          stop_all();
          st.cfg = *next;
          start_all(false);
          return;
        }
        st.cfg = *next;
        for (auto* a : {&st.discovery, &st.aggregator, &st.publisher})
          self->send(*a, next);
      },
      [=](crash_atom) {
        if (self->state.aggregator)
          self->send(self->state.aggregator, crash_atom::value);
      },
  };
}

} // namespace ba
