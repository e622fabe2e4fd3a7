#include "actors/virtual_battery.hpp"

#include <chrono>

#include "actors/lifecycle.hpp"
#include "actors/recompute.hpp"
#include "actors/rules/role_merge.hpp"
#include "actors/rules/roster.hpp"
#include "logging/log.hpp"
#include "messages/paths.hpp"
#include "messages/protocols.hpp"

namespace ba {

namespace {

constexpr std::string_view page = paths::page_prefix;

} // namespace

caf::behavior virtual_battery_actor(caf::stateful_actor<virtual_state>* self,
                                    config cfg, size_t index,
                                    caf::actor publisher, caf::actor router,
                                    bool hold) {
  auto vb = cfg.virtual_batteries.at(index);
  self->state.name = "virtual:" + vb.service;
  self->state.holding = hold;
  log_lifecycle(self, self->state.name);
  auto grace = std::chrono::milliseconds(
      static_cast<int64_t>(cfg.reconnect_timeout * 1000));
  auto compute_now = [=] {
    auto& st = self->state;
    st.dirty = false;
    // After a restart the router releases us once our members are read.
    if (st.holding)
      return;
    bool online = false;
    auto out = compute_virtual(vb, cfg, st.sources, st.memory,
                               self->clock().now(), &online, &st.engine);
    if (vb.kind != topology::merge) {
      // Its own roster (gx-native.md 2): a member that counted once and no
      // longer does raises /Alarms/ParallelBmsLost here, and through the
      // alarm rule on the main aggregate too.
      auto now_counting = counting_members(vb, st.sources);
      st.roster.insert(now_counting.begin(), now_counting.end());
      apply_roster(st.roster, now_counting, false, cfg.bms_cable_when_missing,
                   out);
    }
    invalidate_vanished(st.last_output, out);
    if (out != st.last_output) {
      st.last_output = out;
      self->send(publisher, publish_values{out});
      // The main bank does not read a virtual battery's member pages: they
      // would only make its member map larger.
      value_map as_member;
      for (auto& [path, v] : out)
        if (path.compare(0, page.size(), page) != 0)
          as_member.emplace_hint(as_member.end(), path, v);
      self->send(router, member_update{vb.service, std::move(as_member), true});
    }
    if (!st.reported || online != st.online) {
      st.reported = true;
      st.online = online;
      self->send(router, member_state{vb.service,
                                      online ? member_status::online
                                             : member_status::stale,
                                      online ? "" : "members missing"});
    }
  };
  // One computation per burst of member updates, as in the aggregator.
  auto recompute
      = [=] { recompute_soon(self, self->state.dirty, compute_now); };
  return checked_behavior<virtual_battery_protocol>(
      [=](recompute_atom) {
        if (self->state.dirty)
          compute_now();
      },
      [=](ready_atom) {
        auto& st = self->state;
        if (!st.holding)
          return;
        st.holding = false;
        compute_now();
      },
      [=](const member_update& u) {
        auto& st = self->state;
        // The bank learns what changed (bank_engine, as in the aggregator).
        auto known = st.sources.all().find(u.service);
        if (!u.snapshot)
          st.engine.touch(u.values);
        else if (known != st.sources.all().end())
          st.engine.touch(known->second.src.values, u.values);
        else
          st.engine.touch_all();
        st.sources.update(u, self->clock().now());
        recompute();
      },
      [=](const member_state& ms) {
        auto& st = self->state;
        if (auto gen = st.sources.set_state(ms, grace.count() > 0))
          self->delayed_send(self, grace, grace_over{ms.service, *gen});
        recompute();
      },
      [=](const grace_over& g) {
        if (self->state.sources.expire(g.service, g.generation))
          recompute();
      },
      [=](const member_removed& r) {
        if (self->state.sources.remove(r.service))
          recompute();
      });
}

} // namespace ba
