#include "actors/aggregator.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "actors/lifecycle.hpp"
#include "actors/recompute.hpp"
#include "actors/rules/role_merge.hpp"
#include "logging/log.hpp"
#include "messages/paths.hpp"
#include "messages/protocols.hpp"

namespace ba {

namespace {

const char* role_name(source_role r) {
  switch (r) {
    case source_role::member:
      return "member";
    case source_role::excluded:
      return "excluded";
    case source_role::primary:
      return "primary";
    case source_role::auxiliary:
      return "auxiliary";
    case source_role::virtual_member:
      return "virtual battery member";
    default:
      return "ignored";
  }
}

} // namespace

caf::behavior aggregator_actor(caf::stateful_actor<aggregator_state>* self,
                               config cfg, caf::actor publisher,
                               caf::actor owner, bool restarted,
                               bank_handover previous) {
  log_lifecycle(self, "aggregator");
  self->state.cfg = cfg;
  self->state.owner = owner;
  auto own
      = [=] { return std::set<std::string>{self->state.cfg.service_name}; };
  auto grace = [=] {
    return std::chrono::milliseconds(
        static_cast<int64_t>(self->state.cfg.reconnect_timeout * 1000));
  };
  auto is_member = [=](const std::string& service) {
    auto i = self->state.classes.find(service);
    return i != self->state.classes.end()
           && i->second.role == source_role::member;
  };
  auto virtual_of = [=](const std::string& service) -> caf::actor {
    auto& st = self->state;
    auto i = st.classes.find(service);
    if (i == st.classes.end() || i->second.role != source_role::virtual_member
        || i->second.index >= st.virtuals.size())
      return {};
    return st.virtuals[i->second.index];
  };
  // Returns whether the role changed (then the virtual batteries concerned
  // have been told everything).
  auto classify_source = [=](const std::string& service) -> bool {
    auto& st = self->state;
    auto& t = st.sources.all()[service];
    auto cls = classify(service, custom_name_of(t.src.values), st.cfg, own());
    auto i = st.classes.find(service);
    bool changed = i == st.classes.end() || i->second.role != cls.role
                   || i->second.index != cls.index;
    if (!changed)
      return false;
    log(log_level::info, "aggregator",
        service + ": " + role_name(cls.role)
            + (cls.role == source_role::virtual_member
                   ? " of " + st.cfg.virtual_batteries[cls.index].service
                   : std::string{}));
    // Moving between a virtual battery and here: the old owner forgets it,
    // the new one gets everything known so far.
    if (auto old_vb = virtual_of(service))
      self->send(old_vb, member_removed{service});
    st.classes[service] = cls;
    if (auto vb = virtual_of(service)) {
      self->send(vb, member_update{service, t.src.values, true});
      if (t.has_status)
        self->send(vb, member_state{service, t.status, ""});
    }
    return true;
  };
  // The supervisor keeps what a successor needs; sent only when it changed
  // (the set is built only after a change of states or roles, never per
  // update).
  auto report = [=] {
    auto& st = self->state;
    if (!st.membership_changed || st.holding || !st.owner)
      return;
    st.membership_changed = false;
    bank_handover h;
    for (auto& [service, t] : st.sources.all()) {
      auto c = st.classes.find(service);
      if (counts(t) && c != st.classes.end() && contributes(c->second.role))
        h.counting.push_back(service);
    }
    h.roster.assign(st.roster.begin(), st.roster.end());
    if (h == st.reported)
      return;
    st.reported = h;
    self->send(st.owner, std::move(h));
  };
  // Who counts may have changed: the engine's input and the roster paths
  // are rebuilt at the next computation, not on every update.
  auto inputs_changed = [=] {
    auto& st = self->state;
    st.inputs_dirty = true;
    st.roster_dirty = true;
  };
  auto compute_now = [=] {
    auto& st = self->state;
    st.dirty = false;
    // Holding after a restart: the bus keeps the last complete aggregate.
    if (st.holding)
      return;
    report();
    auto& in = st.input;
    if (st.inputs_dirty) {
      st.inputs_dirty = false;
      ++st.input_rebuilds;
      in.members.clear();
      in.primaries.clear();
      in.auxiliaries.clear();
      st.counting.clear();
      for (auto& [service, t] : st.sources.all()) {
        if (!counts(t))
          continue;
        auto& cls = st.classes[service];
        switch (cls.role) {
          case source_role::member:
            in.members.emplace(service, &t.src);
            st.counting.insert(service);
            break;
          case source_role::primary:
            in.primaries.emplace(cls.index, &t.src.values);
            break;
          case source_role::auxiliary:
            in.auxiliaries.emplace(cls.index, &t.src.values);
            break;
          default:
            break;
        }
      }
    }
    in.dvcc = st.dvcc;
    in.now = self->clock().now();
    auto all_lost = !st.roster.empty() && st.counting.empty();
    in.all_members_lost = all_lost;
    std::vector<std::string> warnings;
    auto& out = st.engine.compute(in, st.cfg, st.memory, &warnings);
    for (auto& w : warnings)
      log(log_level::warning, "aggregator", w);
    if (all_lost != st.all_lost) {
      st.all_lost = all_lost;
      if (all_lost)
        log(log_level::warning, "aggregator",
            "all batteries lost: measurements invalid, charge and discharge "
            "limits 0");
      else
        log(log_level::info, "aggregator", "a battery is back");
    }
    // Only what changed goes to the publisher (which keeps every path's
    // last value); the engine says what changed in the bank.
    value_map changed;
    auto emit = [&](std::string_view path, const value& v) {
      if (put(st.last_output, path, v))
        changed.emplace(std::string{path}, v);
    };
    // The members' levels of the two roster alarms are what apply_roster
    // starts from.
    static constexpr std::string_view roster_alarms[]
        = {paths::alarm_bms_cable, paths::alarm_parallel_bms_lost};
    for (auto path : st.engine.changed()) {
      if (path == roster_alarms[0] || path == roster_alarms[1])
        st.roster_dirty = true;
      else if (path != paths::max_charge_voltage)
        emit(path, out.find(path)->second);
    }
    // With every member lost the last CVL stays, so that Venus keeps the
    // aggregate as its BMS and obeys the zero current limits (product.md
    // 2.3); checked on every computation, as it ends without a change of
    // the bank's own CVL.
    auto cvl = out.find(paths::max_charge_voltage);
    if (cvl != out.end()
        && (!all_lost || st.last_output.count(paths::max_charge_voltage) == 0))
      emit(paths::max_charge_voltage, cvl->second);
    if (st.roster_dirty) {
      st.roster_dirty = false;
      st.roster_out.clear();
      for (auto path : roster_alarms) {
        auto own = out.find(path);
        if (own != out.end())
          st.roster_out.emplace(std::string{path}, own->second);
      }
      apply_roster(st.roster, st.counting, st.startup_done,
                   st.cfg.bms_cable_when_missing, st.roster_out);
      for (auto& [path, v] : st.roster_out)
        emit(path, v);
      // The roster no longer raises it and no member has it: gone, and
      // said so (as any path that leaves the output).
      if (st.roster_out.count(paths::alarm_bms_cable) == 0
          && st.last_output.count(paths::alarm_bms_cable) != 0)
        emit(paths::alarm_bms_cable, value::invalid());
    }
    if (changed.empty())
      return;
    self->send(publisher, publish_values{std::move(changed)});
  };
  auto is_virtual_service = [=](const std::string& service) {
    for (auto& vb : self->state.cfg.virtual_batteries)
      if (vb.service == service)
        return true;
    return false;
  };
  // An awaited source no longer keeps the bank holding.
  auto resolved = [=](const std::string& service) {
    auto& st = self->state;
    auto t = st.sources.all().find(service);
    // Read and reported: it counts again, or it is stale or lost.
    if (t != st.sources.all().end() && t->second.has_status)
      return true;
    auto c = st.classes.find(service);
    if (c != st.classes.end() && !contributes(c->second.role))
      return true;
    // Our own virtual batteries answer once released: always waited for.
    if (is_virtual_service(service))
      return false;
    if (st.hold_expired)
      return true;
    if (!contributes(classify(service, "", st.cfg, own()).role))
      return true;
    return st.listed && st.present.count(service) == 0;
  };
  // While holding: releases each virtual battery whose awaited members are
  // all read, and ends the hold when every awaited source is resolved.
  auto settle = [=] {
    auto& st = self->state;
    if (!st.holding)
      return;
    bool all = true;
    std::vector<bool> blocked(st.virtuals.size(), false);
    auto block = [&](const source_class& cls) {
      if (cls.role == source_role::virtual_member && cls.index < blocked.size())
        blocked[cls.index] = true;
    };
    for (auto& service : st.awaited) {
      if (resolved(service))
        continue;
      all = false;
      auto c = st.classes.find(service);
      if (c != st.classes.end())
        block(c->second);
      else if (is_virtual_service(service))
        block(classify(service, "", st.cfg, own()));
      else
        // Not read yet: its /CustomName may route it to any of them.
        std::fill(blocked.begin(), blocked.end(), true);
    }
    st.released.resize(st.virtuals.size(), false);
    for (size_t i = 0; i < st.virtuals.size(); ++i)
      if (!st.released[i] && (all || !blocked[i])) {
        st.released[i] = true;
        self->send(st.virtuals[i], ready_atom::value);
      }
    if (!all)
      return;
    st.holding = false;
    st.membership_changed = true;
    inputs_changed();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  self->clock().now() - st.hold_started)
                  .count();
    log(log_level::info, "aggregator",
        "restart: " + std::to_string(st.awaited.size())
            + " sources and virtual batteries read again after "
            + std::to_string(ms) + " ms, publishing");
    compute_now();
  };
  // A burst of updates is computed once (recompute.hpp).
  auto recompute
      = [=] { recompute_soon(self, self->state.dirty, compute_now); };
  // A source's values changed (`values`: the changed ones, or all of them
  // for a snapshot): its role may move with its name, the bank learns what
  // to recompute, a virtual battery's member goes on to it.
  auto took
      = [=](const std::string& service, tracked_source& t,
            const value_map& values, bool snapshot, bool had, bool renamed) {
          auto& st = self->state;
          // A new source, or a renamed one: `name:` entries follow the name.
          bool fresh = st.classes.count(service) == 0;
          bool moved = (fresh || renamed) && classify_source(service);
          if (moved) {
            st.membership_changed = true;
            inputs_changed();
          }
          if (auto vb = virtual_of(service)) {
            if (!moved)
              self->send(vb, member_update{service, values, snapshot});
          } else if (counts(t) || moved) {
            if (!snapshot)
              st.engine.touch(values);
            else if (!had)
              st.engine.touch_all();
            recompute();
          }
          settle();
        };
  if (restarted) {
    auto& st = self->state;
    st.holding = true;
    st.startup_done = true;
    st.hold_started = self->clock().now();
    st.awaited.insert(previous.counting.begin(), previous.counting.end());
    for (auto& vb : cfg.virtual_batteries)
      st.awaited.insert(vb.service);
    // Roster members that are still members by name stay expected.
    for (auto& r : previous.roster)
      if (classify(r, "", cfg, own()).role == source_role::member)
        st.roster.insert(r);
    auto limit = std::min<caf::timespan>(
        max_hold, std::chrono::milliseconds(
                      static_cast<int64_t>(cfg.stale_timeout * 1000)));
    self->delayed_send(self, limit, hold_atom::value);
    log(log_level::info, "aggregator",
        "restart: keeping the last aggregate until "
            + std::to_string(st.awaited.size())
            + " sources and virtual batteries are read again");
    settle();
  } else {
    self->delayed_send(self,
                       std::chrono::milliseconds(static_cast<int64_t>(
                           cfg.startup_battery_wait * 1000)),
                       startup_atom::value);
    // Publish the empty bank at once: invalid measurements, 0 members.
    compute_now();
  }
  return checked_behavior<aggregator_protocol>(
      [=](const member_update& u) {
        // A virtual battery's output: a source of this bank like any other,
        // sent whole on each of its computations.
        auto& st = self->state;
        ++st.updates;
        auto known = st.sources.all().find(u.service);
        bool had = known != st.sources.all().end();
        auto old_name
            = had ? custom_name_of(known->second.src.values) : std::string{};
        if (u.snapshot && had)
          st.engine.touch(known->second.src.values, u.values);
        auto& t = st.sources.update(u, self->clock().now());
        took(u.service, t, u.values, u.snapshot, had,
             custom_name_of(t.src.values) != old_name);
      },
      [=](const source_hello& h) {
        self->state.source_actors[h.service]
            = caf::actor_cast<caf::actor>(self->current_sender());
      },
      [=](const source_values& in) {
        auto& st = self->state;
        auto src = st.source_actors.find(in.service);
        if (src == st.source_actors.end())
          return; // its source actor ended: no longer ours
        auto now = self->clock().now();
        auto& warnings = st.warnings;
        warnings.clear();
        if (in.complete) {
          ++st.updates;
          auto known = st.sources.all().find(in.service);
          bool had = known != st.sources.all().end();
          auto old_name
              = had ? custom_name_of(known->second.src.values) : std::string{};
          auto values
              = st.sources.take_scan(in.service, in.values, now, warnings);
          for (auto& w : warnings)
            log(log_level::warning, "source", w);
          // A snapshot replaces the values: the bank learns which differ
          // (a rescan repeats most values) before they are gone.
          if (had)
            st.engine.touch(known->second.src.values, values);
          auto& t = st.sources.replace(in.service, std::move(values), now);
          took(in.service, t, t.src.values, true, had,
               custom_name_of(t.src.values) != old_name);
          self->send(src->second,
                     source_scanned{in.service,
                                    static_cast<int32_t>(in.values.size()),
                                    offline_reason(t.status_values)});
          return;
        }
        value_map changed;
        auto* t = st.sources.take_changes(in.service, in.values, now, changed,
                                          warnings);
        for (auto& w : warnings)
          log(log_level::warning, "source", w);
        if (t == nullptr)
          return; // before its first scan, which brings every value
        if (!t->taking) {
          // Out: the source actor judges whether it is back.
          self->send(
              src->second,
              source_spoke{in.service, offline_reason(t->status_values)});
          return;
        }
        auto why = offline_reason(t->status_values);
        if (why != offline_cause::none) {
          // Its last values (these included) count as those of a stale
          // source; the next ones wait for its rescan.
          t->taking = false;
          self->send(src->second, source_spoke{in.service, why});
        }
        if (changed.empty())
          return;
        ++st.updates;
        took(in.service, *t, changed, false, true,
             changed.count(paths::custom_name) != 0);
      },
      [=](const heard_query& q) {
        auto& st = self->state;
        auto src = st.source_actors.find(q.service);
        if (src == st.source_actors.end())
          return;
        auto t = st.sources.all().find(q.service);
        auto since = t == st.sources.all().end()
                         ? caf::timespan{0}
                         : t->second.last_signal.time_since_epoch();
        self->send(src->second, heard_answer{since, q.generation});
      },
      [=](const member_state& ms) {
        auto& st = self->state;
        if (ms.status != member_status::online) {
          // Stale or lost: its values wait for its rescan.
          auto t = st.sources.all().find(ms.service);
          if (t != st.sources.all().end())
            t->second.taking = false;
          if (ms.status == member_status::lost)
            st.source_actors.erase(ms.service);
        }
        if (auto vb = virtual_of(ms.service))
          self->send(vb, ms);
        if (auto gen = st.sources.set_state(ms, grace().count() > 0))
          // Its last values keep counting for reconnectTimeout.
          self->delayed_send(self, grace(), grace_over{ms.service, *gen});
        if (ms.status == member_status::online && is_member(ms.service))
          st.roster.insert(ms.service);
        if (st.sources.all().count(ms.service) == 0)
          st.classes.erase(ms.service);
        // Stale or lost while the bank holds: it has answered (a lost one
        // may already be forgotten by the table).
        if (st.holding && ms.status != member_status::online)
          st.awaited.erase(ms.service);
        st.membership_changed = true;
        inputs_changed();
        recompute();
        settle();
      },
      [=](const grace_over& g) {
        auto& st = self->state;
        if (!st.sources.expire(g.service, g.generation))
          return;
        log(log_level::info, "aggregator",
            g.service + ": dropped after reconnectTimeout");
        if (st.sources.all().count(g.service) == 0)
          st.classes.erase(g.service);
        st.membership_changed = true;
        inputs_changed();
        recompute();
      },
      [=](const member_removed& r) {
        // The source actor ended without its name leaving (it crashed and
        // discovery restarts it): forget its values until it is rescanned.
        auto& st = self->state;
        if (auto vb = virtual_of(r.service))
          self->send(vb, r);
        st.classes.erase(r.service);
        // Stopped on purpose (newly excluded by a reload) or crashed (it
        // comes back and rejoins): either way not a missing battery. The
        // reload and this message come from two actors, in either order.
        st.roster.erase(r.service);
        st.sources.remove(r.service);
        st.source_actors.erase(r.service);
        st.membership_changed = true;
        inputs_changed();
        recompute();
        settle();
      },
      [=](const virtual_banks& v) {
        self->state.virtuals = v.actors;
        settle();
      },
      [=](const services_listed& l) {
        auto& st = self->state;
        st.listed = true;
        st.present.clear();
        st.present.insert(l.present.begin(), l.present.end());
        settle();
      },
      [=](hold_atom) {
        auto& st = self->state;
        if (!st.holding)
          return;
        std::string silent;
        for (auto& service : st.awaited)
          if (!resolved(service) && !is_virtual_service(service))
            silent += (silent.empty() ? "" : ", ") + service;
        if (!silent.empty())
          log(log_level::warning, "aggregator",
              "restart: no answer from " + silent
                  + " in time; publishing without them");
        st.hold_expired = true;
        settle();
      },
      [=](recompute_atom) {
        if (self->state.dirty)
          compute_now();
      },
      [=](startup_atom) {
        self->state.startup_done = true;
        self->state.roster_dirty = true;
        recompute();
      },
      [=](redetect_atom) {
        auto& st = self->state;
        st.roster.clear();
        for (auto& [service, t] : st.sources.all())
          if (counts(t) && is_member(service))
            st.roster.insert(service);
        log(log_level::info, "aggregator",
            "roster reset to the " + std::to_string(st.roster.size())
                + " members online");
        st.membership_changed = true;
        inputs_changed();
        recompute();
      },
      [=](const config_ptr& next) {
        // Reload: roles may have moved (primaries, exclusions, `name:`),
        // modes changed; the sources and their values stay.
        auto& st = self->state;
        st.cfg = *next;
        st.engine.touch_all();
        for (auto& [service, t] : st.sources.all())
          classify_source(service);
        // A source that is no longer a member is not missing either.
        // Judged by name for those already gone from the sources.
        for (auto i = st.roster.begin(); i != st.roster.end();) {
          bool member = st.sources.all().count(*i) != 0
                            ? is_member(*i)
                            : classify(*i, "", st.cfg, own()).role
                                  == source_role::member;
          i = member ? std::next(i) : st.roster.erase(i);
        }
        st.membership_changed = true;
        inputs_changed();
        recompute();
        settle();
      },
      [=](const dvcc_state& d) {
        self->state.dvcc = d;
        self->state.engine.touch_all();
        recompute();
      },
      [=](summary_atom) {
        auto& st = self->state;
        health_stats s;
        s.component = "aggregator";
        s.members_total = static_cast<int32_t>(st.roster.size());
        for (auto& [service, t] : st.sources.all())
          if (counts(t) && is_member(service))
            ++s.members_online;
        s.updates = st.updates;
        // A counting source silent for half its stale timeout is on its
        // way to stale: the operator sees it before it drops out.
        auto now = self->clock().now();
        auto half = std::chrono::milliseconds(
            static_cast<int64_t>(st.cfg.stale_timeout * 500));
        for (auto& [service, t] : st.sources.all()) {
          auto age = now - t.src.last_update;
          if (counts(t) && t.has_status && age > half)
            s.quiet.push_back(
                service + " ("
                + std::to_string(
                    std::chrono::duration_cast<std::chrono::seconds>(age)
                        .count())
                + " s)");
        }
        return s;
      });
}

} // namespace ba
