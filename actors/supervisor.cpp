#include "actors/supervisor.hpp"

#include <chrono>
#include <set>

#include "actors/aggregator.hpp"
#include "actors/discovery.hpp"
#include "actors/health.hpp"
#include "actors/lifecycle.hpp"
#include "actors/publisher.hpp"
#include "actors/rules/roles.hpp"
#include "actors/settings.hpp"
#include "actors/virtual_battery.hpp"
#include "logging/log.hpp"
#include "messages/messages.hpp"
#include "messages/protocols.hpp"

namespace ba {

namespace {

/// Preferred VRM instance of the main aggregate (the Python add-on's).
constexpr int32_t preferred_instance = 1024;

/// Preferred instance of the first virtual battery (product.md 3).
constexpr size_t first_virtual_instance = 1056;

bool same_virtuals(const config& x, const config& y) {
  return x.virtual_batteries == y.virtual_batteries && x.hooks == y.hooks;
}

} // namespace

supervisor_state::~supervisor_state() {
  // The children are not linked: stop them with the supervisor.
  for (auto* a : {&discovery, &aggregator, &publisher, &settings, &health})
    if (*a)
      caf::anon_send_exit(*a, caf::exit_reason::user_shutdown);
  for (auto* list : {&virtuals, &virtual_publishers})
    for (auto& a : *list)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

caf::behavior supervisor_actor(caf::stateful_actor<supervisor_state>* self,
                               config cfg, bus_port* bus,
                               caf::timespan health_interval) {
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
    // After a restart the new bank keeps the last aggregate on the bus
    // until it has read again what the old one counted.
    if (!restarted)
      st.handover = bank_handover{};
    st.aggregator = self->spawn<caf::monitored>(
        aggregator_actor, cfg, st.publisher, caf::actor_cast<caf::actor>(self),
        restarted, st.handover);
    self->send(st.settings,
               device_wanted{cfg.service_name, "BatteryAggregator", suffix,
                             preferred_instance, st.publisher});
    self->send(st.settings, dvcc_listener{st.aggregator});
    self->send(st.publisher, publisher_bank{st.aggregator});
    st.discovery = self->spawn<caf::monitored>(discovery_actor, cfg,
                                               exported_services(cfg),
                                               st.aggregator, st.settings, bus);
    // Virtual batteries: each with its own publisher, device instance
    // (battery:1056 and up, allocated collision-free by the settings
    // service) and custom name; the aggregator routes their members.
    st.virtuals.clear();
    st.virtual_publishers.clear();
    for (size_t i = 0; i < cfg.virtual_batteries.size(); ++i) {
      auto& vb = cfg.virtual_batteries[i];
      auto vb_suffix = service_suffix(vb.service);
      auto pub = self->spawn<caf::monitored>(publisher_actor, cfg, vb.service,
                                             std::string{"Virtual Battery"},
                                             bus, st.settings, restarted);
      auto actor = self->spawn<caf::monitored>(virtual_battery_actor, cfg, i,
                                               pub, st.aggregator, restarted);
      self->send(
          st.settings,
          device_wanted{vb.service, "BatteryAggregator_" + vb_suffix, vb_suffix,
                        static_cast<int32_t>(first_virtual_instance + i), pub});
      st.virtuals.push_back(actor);
      st.virtual_publishers.push_back(pub);
    }
    self->send(st.aggregator, virtual_banks{st.virtuals});
    if (!st.health)
      st.health = self->spawn<caf::monitored>(health_actor, st.aggregator,
                                              st.publisher, health_interval,
                                              st.restarts);
    else
      self->send(st.health,
                 health_targets{st.aggregator, st.publisher, st.restarts});
    // Names already on the bus are announced to the (new) discovery.
    bus->rebind(st.discovery);
  };
  auto stop_all = [=] {
    auto& st = self->state;
    // Health stays: it is told the new actors (see health_actor).
    for (auto* a :
         {&st.discovery, &st.aggregator, &st.publisher, &st.settings}) {
      if (*a)
        caf::anon_send_exit(*a, caf::exit_reason::user_shutdown);
      *a = caf::actor{};
    }
    for (auto* list : {&st.virtuals, &st.virtual_publishers}) {
      for (auto& a : *list)
        caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
      list->clear();
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
    std::string virtual_who;
    for (size_t i = 0; i < st.virtuals.size(); ++i)
      if (dm.source == st.virtuals[i].address()
          || dm.source == st.virtual_publishers[i].address())
        virtual_who = "virtual:" + st.cfg.virtual_batteries[i].service;
    if (who == nullptr && !virtual_who.empty())
      who = virtual_who.c_str();
    // Old children stopping during a restart, or a clean stop.
    if (who == nullptr || !dm.reason
        || dm.reason == caf::exit_reason::user_shutdown)
      return;
    if (dm.source == st.health.address()) {
      // Nothing else depends on it: only health starts again.
      log(log_level::error, "supervisor",
          "health crashed (" + describe_exit(dm.reason) + "), restarting it");
      ++st.restarts;
      st.health = self->spawn<caf::monitored>(health_actor, st.aggregator,
                                              st.publisher, health_interval,
                                              st.restarts);
      return;
    }
    log(log_level::error, "supervisor",
        std::string{who} + " crashed (" + describe_exit(dm.reason)
            + "), restarting all actors");
    stop_all();
    ++st.restarts;
    start_all(true);
    log(log_level::info, "supervisor", "actors restarted");
  });
  start_all(false);
  return checked_behavior<supervisor_protocol>(
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
        if (!same_virtuals(st.cfg, *next)) {
          // Virtual batteries added, removed or redefined: their routes and
          // services change. Removed ones leave the bus; the actors start
          // over, and every service that stays keeps its name and instance.
          std::set<std::string> keep;
          for (auto& vb : next->virtual_batteries)
            keep.insert(vb.service);
          for (auto& vb : st.cfg.virtual_batteries)
            if (keep.count(vb.service) == 0) {
              log(log_level::info, "supervisor",
                  "virtual battery " + vb.service + " removed");
              bus->withdraw_service(vb.service);
            }
          stop_all();
          st.cfg = *next;
          start_all(true);
          return;
        }
        st.cfg = *next;
        for (auto* a : {&st.discovery, &st.aggregator, &st.publisher})
          self->send(*a, next);
        for (auto& pub : st.virtual_publishers)
          self->send(pub, next);
      },
      [=](bank_handover& h) {
        // From the current bank only: an old one may still be finishing.
        if (self->current_sender() == self->state.aggregator.address())
          self->state.handover = std::move(h);
      }
#ifdef BA_TEST_HOOKS
      // Test builds only (BA_TESTS, never the GX package): the bank ends
      // as an uncaught exception would end it, to show the restart.
      ,
      [=](crash_atom) {
        if (self->state.aggregator)
          self->send_exit(self->state.aggregator,
                          caf::make_error(caf::sec::runtime_error));
      }
#endif
  );
}

} // namespace ba
