#include "actors/source.hpp"

#include "actors/lifecycle.hpp"
#include "logging/log.hpp"
#include "messages/protocols.hpp"

namespace ba {

namespace {

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
                           bus_port* bus, source_timing timing) {
  auto& st = self->state;
  st.name = "source:" + service;
  st.service = service;
  st.bus = bus;
  st.self_addr = self->address();
  log_lifecycle(self, st.name);
  auto me = [=] { return caf::actor_cast<caf::actor>(self); };
  auto arm = [=](caf::timespan after) {
    auto gen = ++self->state.timer_generation;
    self->delayed_send(self, after, check_due{gen});
  };
  auto rescan = [=] {
    auto& st = self->state;
    if (st.scanning)
      return;
    st.scanning = true;
    st.scanned = false;
    bus->watch(service, me(), consumer, true);
  };
  auto set_status = [=](member_status s, offline_cause cause, bool silent) {
    auto& st = self->state;
    if (st.status == s && st.offline == cause && st.silent == silent)
      return;
    st.status = s;
    st.offline = cause;
    st.silent = silent;
    auto reason
        = silent ? "no answer after "
                       + std::to_string(
                           std::chrono::duration_cast<std::chrono::seconds>(
                               timing.stale_timeout)
                               .count())
                       + " s without signals"
                 : to_string(cause);
    if (s == member_status::online)
      log(log_level::info, "source", service + ": online");
    else
      log(log_level::warning, "source",
          service + ": " + to_string(s) + " (" + reason + ")");
    self->send(consumer, member_state{service, s, reason});
  };
  // No answer to the probe and no signal since it went out.
  auto go_silent = [=] {
    set_status(member_status::stale, offline_cause::none, true);
    arm(timing.retry);
  };
  st.last_signal = self->clock().now();
  // The consumer answers this actor (its values go there from the bus).
  self->send(consumer, source_hello{service});
  rescan();
  return checked_behavior<source_protocol>(
      [=](const source_scanned& s) {
        auto& st = self->state;
        st.last_signal = self->clock().now();
        st.scanning = false;
        st.scanned = true;
        log(log_level::info, "source",
            service + ": scanned, " + std::to_string(s.paths) + " paths");
        set_status(s.offline == offline_cause::none ? member_status::online
                                                    : member_status::stale,
                   s.offline, false);
        arm(timing.stale_timeout);
      },
      [=](const source_spoke& s) {
        auto& st = self->state;
        st.last_signal = self->clock().now();
        if (!st.scanned)
          return; // the scan under way will bring them all
        if (st.status == member_status::online) {
          if (s.offline != offline_cause::none)
            set_status(member_status::stale, s.offline, false);
        } else if (s.offline == offline_cause::none) {
          // It speaks again, and no longer reports itself offline: read it
          // completely before it counts (values changed meanwhile).
          rescan();
        } else if (s.offline != st.offline || st.silent) {
          set_status(member_status::stale, s.offline, false);
        }
      },
      [=](const check_due& c) {
        // Its signals go to the consumer: ask it when the last one came.
        if (c.generation == self->state.timer_generation)
          self->send(consumer, heard_query{service, c.generation});
      },
      [=](const heard_answer& h) {
        auto& st = self->state;
        if (h.generation != st.timer_generation)
          return;
        caf::actor_clock::time_point heard{
            std::chrono::duration_cast<caf::actor_clock::time_point::duration>(
                h.since)};
        if (h.since.count() != 0 && heard > st.last_signal)
          st.last_signal = heard;
        if (st.judging) {
          // The probe went unanswered: stale only if no signal came while
          // it was out either (a flood of signals the loop is busy with can
          // delay the probe's answer past its timeout).
          st.judging = false;
          if (st.last_signal < st.probe_sent) {
            go_silent();
            return;
          }
        }
        auto quiet = self->clock().now() - st.last_signal;
        if (st.status == member_status::online
            && quiet < timing.stale_timeout) {
          arm(timing.stale_timeout - quiet);
          return;
        }
        if (!st.probing) {
          st.probing = true;
          st.probe_sent = self->clock().now();
          bus->probe(service, me());
        }
      },
      [=](const probe_result& r) {
        auto& st = self->state;
        st.probing = false;
        if (r.ok) {
          // Back after silence, or reconnected without a signal saying so
          // (the probe read /Connected itself).
          auto c = r.connected.num();
          bool reconnected
              = st.offline == offline_cause::disconnected && c && *c != 0;
          if (st.status == member_status::stale && (st.silent || reconnected))
            rescan();
          // Quiet but alive: look again after another quiet period.
          arm(st.status == member_status::online ? timing.stale_timeout
                                                 : timing.retry);
          return;
        }
        if (st.status != member_status::online) {
          arm(timing.retry);
          return;
        }
        // Did a signal reach the consumer meanwhile? Judged on its answer.
        st.judging = true;
        self->send(consumer, heard_query{service, st.timer_generation});
      },
      [=](const scan_failed& f) {
        auto& st = self->state;
        st.scanning = false;
        log(log_level::warning, "source",
            service + ": scan failed (" + f.reason + "), retrying");
        self->delayed_send(self, rescan_delay, rescan_atom::value);
      },
      [=](rescan_atom) {
        if (!self->state.scanned)
          rescan();
      },
      [=](lost_atom) {
        self->send(consumer,
                   member_state{service, member_status::lost, "left the bus"});
        self->quit();
      });
}

} // namespace ba
