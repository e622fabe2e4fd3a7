#include "actors/health.hpp"

#include <chrono>

#include "actors/lifecycle.hpp"
#include "logging/log.hpp"
#include "messages/protocols.hpp"

namespace ba {

namespace {

/// How long the aggregator and the publisher have to answer.
constexpr auto answer_timeout = std::chrono::seconds(2);

} // namespace

uint64_t counter_delta(uint64_t now, uint64_t before) {
  return now >= before ? now - before : now;
}

std::string summary_line(const health_summary& s, int64_t interval_s) {
  std::string line
      = std::to_string(s.members_online) + "/" + std::to_string(s.members_total)
        + " members online, " + std::to_string(s.updates)
        + " updates received and " + std::to_string(s.signals)
        + " signals published in the last " + std::to_string(interval_s)
        + " s, " + std::to_string(s.restarts) + " actor restarts";
  auto list = [&](const char* what, const std::vector<std::string>& xs) {
    if (xs.empty())
      return;
    line += std::string{"; "} + what + ": ";
    for (size_t i = 0; i < xs.size(); ++i)
      line += (i ? ", " : "") + xs[i];
  };
  list("quiet", s.quiet);
  list("no answer from", s.silent);
  return line;
}

caf::behavior health_actor(caf::stateful_actor<health_state>* self,
                           caf::actor aggregator, caf::actor publisher,
                           caf::timespan interval, uint64_t restarts) {
  log_lifecycle(self, "health");
  self->state.aggregator = std::move(aggregator);
  self->state.publisher = std::move(publisher);
  self->state.restarts = restarts;
  self->delayed_send(self, interval, summary_atom::value);
  auto interval_s
      = std::chrono::duration_cast<std::chrono::seconds>(interval).count();
  // Logs the round once every answer is in (or has failed).
  auto finish = [=] {
    auto& st = self->state;
    if (st.pending > 0)
      return;
    health_summary s;
    s.restarts = st.restarts;
    if (st.bank_answered) {
      s.members_online = st.bank.members_online;
      s.members_total = st.bank.members_total;
      s.updates = counter_delta(st.bank.updates, st.updates_before);
      s.quiet = st.bank.quiet;
      st.updates_before = st.bank.updates;
    } else {
      s.silent.emplace_back("aggregator");
    }
    if (st.publisher_answered) {
      s.signals = counter_delta(st.signals, st.signals_before);
      st.signals_before = st.signals;
    } else {
      s.silent.emplace_back("publisher");
    }
    log(log_level::info, "health", summary_line(s, interval_s));
  };
  auto ask = [=](caf::actor whom, bool is_bank) {
    auto round = self->state.round;
    self->request(whom, answer_timeout, summary_atom::value)
        .then(
            [=](const health_stats& s) {
              auto& st = self->state;
              if (round != st.round)
                return;
              if (is_bank) {
                st.bank = s;
                st.bank_answered = true;
              } else {
                st.signals = s.signals;
                st.publisher_answered = true;
              }
              --st.pending;
              finish();
            },
            [=](const caf::error&) {
              // Busy or restarting: the line says who did not answer.
              auto& st = self->state;
              if (round != st.round)
                return;
              --st.pending;
              finish();
            });
  };
  return checked_behavior<health_protocol>(
      [=](summary_atom) {
        auto& st = self->state;
        ++st.round;
        st.pending = 2;
        st.bank_answered = false;
        st.publisher_answered = false;
        ask(st.aggregator, true);
        ask(st.publisher, false);
        self->delayed_send(self, interval, summary_atom::value);
      },
      [=](const health_targets& t) {
        // The actors restarted: their counters start again from 0.
        auto& st = self->state;
        st.aggregator = t.aggregator;
        st.publisher = t.publisher;
        st.restarts = t.restarts;
        st.updates_before = 0;
        st.signals_before = 0;
      });
}

} // namespace ba
