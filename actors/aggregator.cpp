#include "actors/aggregator.hpp"

#include <nlohmann/json.hpp>

#include "actors/lifecycle.hpp"
#include "actors/parallel_rules.hpp"
#include "messages/messages.hpp"

namespace ba {

bool member_online(const value_map& values) {
  auto i = values.find("/Connected");
  if (i == values.end())
    return true;
  auto x = i->second.num();
  return !x || *x != 0;
}

value_map compute_bank(const std::map<std::string, value_map>& members,
                       const config& cfg) {
  member_list online;
  // Writing JSON is allowed in actors/; parsing never is.
  auto names = nlohmann::json::array();
  for (auto& [service, values] : members) {
    if (!member_online(values))
      continue;
    online.push_back(&values);
    names.push_back(service);
  }
  parallel_options opts;
  opts.soc = cfg.soc;
  opts.capacity = cfg.capacity;
  auto out = aggregate_parallel(online, opts);
  out["/System/NrOfBatteries"]
      = value::integer(static_cast<int64_t>(online.size()));
  out["/System/Batteries"] = value::text(names.dump());
  return out;
}

caf::behavior aggregator_actor(caf::stateful_actor<aggregator_state>* self,
                               config cfg, caf::actor publisher) {
  log_lifecycle(self, "aggregator");
  auto recompute = [=] {
    auto& st = self->state;
    auto out = compute_bank(st.members, cfg);
    if (out == st.last_output)
      return;
    st.last_output = out;
    self->send(publisher, publish_values{std::move(out)});
  };
  // Publish the empty bank at once: invalid measurements, 0 members.
  recompute();
  return {
      [=](const member_update& u) {
        auto& st = self->state;
        ++st.updates;
        auto& m = st.members[u.service];
        if (u.snapshot)
          m = u.values;
        else
          for (auto& [path, v] : u.values)
            m[path] = v;
        recompute();
      },
      [=](const member_removed& r) {
        if (self->state.members.erase(r.service) > 0)
          recompute();
      },
      [=](summary_atom) {
        auto& st = self->state;
        health_stats s;
        s.component = "aggregator";
        for (auto& [service, values] : st.members)
          if (member_online(values))
            ++s.members_online;
        s.members_total = static_cast<int32_t>(st.members.size());
        s.updates = st.updates;
        return s;
      },
  };
}

} // namespace ba
