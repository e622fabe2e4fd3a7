#include "actors/virtual_battery.hpp"

#include <chrono>

#include "actors/aggregator.hpp"
#include "actors/lifecycle.hpp"
#include "actors/member_pages.hpp"
#include "actors/role_merge.hpp"
#include "actors/roles.hpp"
#include "messages/log.hpp"

namespace ba {

namespace {

constexpr const char* hook_prefix = "class:";
constexpr std::string_view page_prefix = "/Battery/";

/// The source a member entry names, among those that count.
const source_table::map_type::value_type*
find_member(const source_table& sources, const source_ref& ref) {
  for (auto& entry : sources.all())
    if (counts(entry.second)
        && names_source(ref.name, entry.first,
                        custom_name_of(entry.second.src.values)))
      return &entry;
  return nullptr;
}

std::vector<vb_input> inputs_of(const virtual_battery& vb, const config& cfg,
                                const source_table& sources) {
  std::vector<vb_input> in;
  for (auto& ref : vb.members) {
    if (ref.name.compare(0, 6, hook_prefix) == 0) {
      auto h = cfg.hooks.find(ref.name.substr(6));
      in.push_back(
          {&ref, nullptr, h == cfg.hooks.end() ? nullptr : &h->second});
      continue;
    }
    auto* m = find_member(sources, ref);
    in.push_back({&ref, m ? &m->second.src.values : nullptr, nullptr});
  }
  return in;
}

} // namespace

value_map compute_virtual(const virtual_battery& vb, const config& cfg,
                          const source_table& sources, bank_memory& mem,
                          caf::actor_clock::time_point now, bool* online,
                          bank_engine* engine) {
  auto in = inputs_of(vb, cfg, sources);
  size_t configured = 0;
  size_t counting = 0;
  for (auto& i : in) {
    if (i.hook != nullptr)
      continue;
    ++configured;
    if (i.values != nullptr)
      ++counting;
  }
  value_map out;
  switch (vb.kind) {
    case topology::merge:
      out = merge_kind(in);
      *online = counting > 0;
      break;
    case topology::parallel: {
      bank_input bank;
      bank.now = now;
      for (auto& ref : vb.members)
        if (auto* m = find_member(sources, ref))
          bank.members.emplace(m->first, &m->second.src);
      // A virtual battery has no primaries or auxiliaries of its own, and
      // the main bank's capacity override is not its own.
      config own = cfg;
      own.primary_services.clear();
      own.auxiliary_services.clear();
      own.capacity = caf::none;
      bank.all_members_lost = counting == 0 && configured > 0;
      out = engine != nullptr ? engine->compute(bank, own, mem, nullptr)
                              : compute_bank(bank, own, mem, nullptr);
      apply_hooks(in, out);
      *online = counting > 0;
      break;
    }
    case topology::series: {
      std::vector<member_view> views;
      for (auto& i : in)
        if (i.hook == nullptr)
          views.push_back({i.ref->name, i.values});
      bool complete = counting == configured;
      out = series_kind(views, complete);
      // A stale string's zero limits are not for a hook to re-open.
      if (complete)
        apply_hooks(in, out);
      // Its member pages, numbered by service name as in a parallel bank
      // (computed in full like the rest of a string).
      std::map<std::string, const value_map*> pages;
      for (auto& ref : vb.members)
        if (auto* m = find_member(sources, ref))
          pages.emplace(m->first, &m->second.src.values);
      value_writer w{out};
      std::string scratch;
      int n = 0;
      for (auto& [service, values] : pages)
        write_member_page(++n, service, *values, 0, w, scratch);
      *online = complete;
      break;
    }
  }
  return out;
}

std::set<std::string> counting_members(const virtual_battery& vb,
                                       const source_table& sources) {
  std::set<std::string> result;
  for (auto& ref : vb.members)
    if (auto* m = find_member(sources, ref))
      result.insert(m->first);
  return result;
}

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
        if (path.compare(0, page_prefix.size(), page_prefix) != 0)
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
  auto recompute = [=] {
    auto& st = self->state;
    if (st.dirty)
      return;
    st.dirty = true;
    self->send(self, recompute_atom::value);
  };
  return {
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
          self->delayed_send(self, grace, grace_atom::value, ms.service, *gen);
        recompute();
      },
      [=](grace_atom, const std::string& service, uint64_t gen) {
        if (self->state.sources.expire(service, gen))
          recompute();
      },
      [=](const member_removed& r) {
        if (self->state.sources.remove(r.service))
          recompute();
      },
  };
}

} // namespace ba
