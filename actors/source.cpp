#include "actors/source.hpp"

#include "actors/input_check.hpp"
#include "actors/lifecycle.hpp"
#include "messages/log.hpp"
#include "messages/path_table.hpp"

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

bool path_kept(const std::string& path, size_t other_paths, bool known) {
  if (path.size() > max_path_bytes)
    return false;
  return known || other_paths < max_other_paths;
}

std::string offline_reason(const value_map& values) {
  auto connected = values.find("/Connected");
  if (connected != values.end()) {
    auto x = connected->second.num();
    if (x && *x == 0)
      return "/Connected 0";
  }
  auto cable = values.find("/Alarms/BmsCable");
  if (cable != values.end()) {
    auto x = cable->second.num();
    if (x && *x == 2)
      return "/Alarms/BmsCable 2";
  }
  return {};
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
  // Bad input never reaches the rules: it counts as invalid, logged once
  // per source and path (product.md 5).
  auto checked = [=](const std::string& path, const value& v) {
    auto verdict = check_input(path, v);
    if (!verdict.rejected)
      return verdict.val;
    switch (self->state.bad_logged.note(path)) {
      case log_cap::verdict::log:
        log(log_level::warning, "source",
            service + " " + path + ": " + verdict.reason + " (ignored)");
        break;
      case log_cap::verdict::summary:
        log(log_level::warning, "source",
            service + ": more bad values on further paths, not logged");
        break;
      case log_cap::verdict::quiet:
        break;
    }
    return verdict.val;
  };
  // Bounds what one source can make us keep (memory): a new path too long,
  // or one more unknown path than allowed, is dropped (logged once). Asked
  // only for paths not kept yet, so an update of known paths pays nothing.
  auto admit = [=](const std::string& path) {
    auto& st = self->state;
    bool known = find_path(path) != nullptr;
    if (!path_kept(path, st.other_paths, known)) {
      if (!st.dropped_logged) {
        st.dropped_logged = true;
        log(log_level::warning, "source",
            service + ": paths dropped (longer than "
                + std::to_string(max_path_bytes) + " bytes, or more than "
                + std::to_string(max_other_paths)
                + " outside the battery vocabulary), e.g. " + path);
      }
      return false;
    }
    if (!known)
      ++st.other_paths;
    return true;
  };
  auto arm = [=](caf::timespan after) {
    auto gen = ++self->state.timer_generation;
    self->delayed_send(self, after, check_atom::value, gen);
  };
  auto rescan = [=] {
    auto& st = self->state;
    if (st.scanning)
      return;
    st.scanning = true;
    st.scanned = false;
    bus->watch(service, me(), true);
  };
  auto set_status = [=](member_status s, const std::string& reason) {
    auto& st = self->state;
    if (st.status == s && st.stale_reason == reason)
      return;
    st.status = s;
    st.stale_reason = reason;
    if (s == member_status::online)
      log(log_level::info, "source", service + ": online");
    else
      log(log_level::warning, "source",
          service + ": " + to_string(s) + " (" + reason + ")");
    self->send(consumer, member_state{service, s, reason});
  };
  st.last_signal = self->clock().now();
  rescan();
  return {
      [=](const source_values& in) {
        auto& st = self->state;
        st.last_signal = self->clock().now();
        if (in.complete) {
          st.scanning = false;
          st.scanned = true;
          st.values.clear();
          st.other_paths = 0;
          for (auto& [path, v] : in.values)
            if (admit(path))
              st.values.emplace(path, checked(path, v));
          log(log_level::info, "source",
              service + ": scanned, " + std::to_string(in.values.size())
                  + " paths");
          self->send(consumer, member_update{service, st.values, true});
          auto why = offline_reason(st.values);
          set_status(why.empty() ? member_status::online : member_status::stale,
                     why);
          arm(timing.stale_timeout);
          return;
        }
        value_map changed;
        for (auto& [path, raw] : in.values) {
          auto slot = st.values.find(path);
          if (slot == st.values.end()) {
            if (!admit(path))
              continue;
            slot = st.values.emplace(path, value::invalid()).first;
          }
          auto v = checked(path, raw);
          if (slot->second != v || slot->second.kind != v.kind) {
            slot->second = v;
            changed.emplace(path, v);
          }
        }
        if (!st.scanned)
          return; // the scan under way will bring them all
        auto why = offline_reason(st.values);
        if (st.status == member_status::online) {
          if (!changed.empty())
            self->send(consumer,
                       member_update{service, std::move(changed), false});
          if (!why.empty())
            set_status(member_status::stale, why);
        } else if (why.empty()) {
          // It speaks again, and no longer reports itself offline: read it
          // completely before it counts (values changed meanwhile).
          rescan();
        } else if (why != st.stale_reason) {
          set_status(member_status::stale, why);
        }
      },
      [=](check_atom, uint64_t gen) {
        auto& st = self->state;
        if (gen != st.timer_generation)
          return;
        auto quiet = self->clock().now() - st.last_signal;
        if (st.status == member_status::online
            && quiet < timing.stale_timeout) {
          arm(timing.stale_timeout - quiet);
          return;
        }
        if (!st.probing) {
          st.probing = true;
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
          bool reconnected = st.stale_reason == "/Connected 0" && c && *c != 0;
          if (st.status == member_status::stale
              && (st.stale_reason.rfind("no answer", 0) == 0 || reconnected))
            rescan();
          // Quiet but alive: look again after another quiet period.
          arm(st.status == member_status::online ? timing.stale_timeout
                                                 : timing.retry);
          return;
        }
        if (st.status == member_status::online)
          set_status(member_status::stale,
                     "no answer after "
                         + std::to_string(
                             std::chrono::duration_cast<std::chrono::seconds>(
                                 timing.stale_timeout)
                                 .count())
                         + " s without signals");
        arm(timing.retry);
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
      },
  };
}

} // namespace ba
