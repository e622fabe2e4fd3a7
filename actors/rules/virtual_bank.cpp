#include "actors/rules/virtual_bank.hpp"

#include <map>

#include "actors/rules/member_pages.hpp"
#include "actors/rules/roles.hpp"

namespace ba {

namespace {

constexpr const char* hook_prefix = "class:";

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

} // namespace ba
