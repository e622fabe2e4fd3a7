#include "actors/health.hpp"

#include "actors/lifecycle.hpp"
#include "messages/log.hpp"

namespace ba {

std::string summary_line(const health_stats& bank, uint64_t signals) {
  return std::to_string(bank.members_online) + "/"
         + std::to_string(bank.members_total) + " members online, "
         + std::to_string(bank.updates) + " updates received, "
         + std::to_string(signals) + " signals published";
}

caf::behavior health_actor(caf::stateful_actor<health_state>* self,
                           caf::actor aggregator, caf::actor publisher,
                           caf::timespan interval) {
  log_lifecycle(self, "health");
  self->delayed_send(self, interval, summary_atom::value);
  auto ask = [=](caf::actor whom) {
    self->request(whom, std::chrono::seconds(5), summary_atom::value)
        .then(
            [=](const health_stats& s) {
              if (s.component == "aggregator")
                self->state.bank = s;
              else
                self->state.signals = s.signals;
            },
            [=](const caf::error&) {
              // A busy or restarting actor: the next summary will tell.
            });
  };
  return {
      [=](summary_atom) {
        log(log_level::info, "health",
            summary_line(self->state.bank, self->state.signals));
        ask(aggregator);
        ask(publisher);
        self->delayed_send(self, interval, summary_atom::value);
      },
  };
}

} // namespace ba
