#include "actors/source.hpp"

#include <chrono>

#include "actors/lifecycle.hpp"
#include "messages/log.hpp"
#include "messages/messages.hpp"

namespace ba {

namespace {

using rescan_atom = caf::atom_constant<caf::atom("rescan")>;

/// A scan that failed (a service busy starting up) is tried again after
/// this long.
constexpr auto rescan_delay = std::chrono::seconds(2);

} // namespace

source_state::~source_state() {
  // Runs on the actor's thread when it ends: hand the route back.
  if (bus != nullptr)
    bus->unwatch(service, self_addr);
}

caf::behavior source_actor(caf::stateful_actor<source_state>* self,
                           std::string service, caf::actor consumer,
                           bus_port* bus) {
  auto& st = self->state;
  st.name = "source:" + service;
  st.service = service;
  st.bus = bus;
  st.self_addr = self->address();
  log_lifecycle(self, st.name);
  bus->watch(service, caf::actor_cast<caf::actor>(self), true);
  return {
      [=](const source_values& in) {
        auto& st = self->state;
        if (in.complete) {
          st.values = in.values;
          st.usable = true;
          log(log_level::info, "discovery",
              service + ": scanned, " + std::to_string(in.values.size())
                  + " paths");
          self->send(consumer, member_update{service, st.values, true});
          return;
        }
        value_map changed;
        for (auto& [path, v] : in.values) {
          auto& slot = st.values[path];
          if (slot != v || slot.kind != v.kind) {
            slot = v;
            changed.emplace(path, v);
          }
        }
        if (st.usable && !changed.empty())
          self->send(consumer,
                     member_update{service, std::move(changed), false});
      },
      [=](const scan_failed& f) {
        log(log_level::warning, "discovery",
            service + ": scan failed (" + f.reason + "), retrying");
        self->delayed_send(self, rescan_delay, rescan_atom::value);
      },
      [=](rescan_atom) {
        if (!self->state.usable)
          bus->watch(service, caf::actor_cast<caf::actor>(self), true);
      },
      [=](lost_atom) {
        self->send(consumer, member_removed{service});
        self->quit();
      },
  };
}

} // namespace ba
