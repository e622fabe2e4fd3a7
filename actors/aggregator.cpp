#include "actors/aggregator.hpp"

#include "actors/lifecycle.hpp"
#include "actors/role_merge.hpp"
#include "messages/log.hpp"

namespace ba {

bool member_online(const value_map& values) {
  auto i = values.find("/Connected");
  if (i == values.end())
    return true;
  auto x = i->second.num();
  return !x || *x != 0;
}

std::string custom_name_of(const value_map& values) {
  auto i = values.find("/CustomName");
  return i != values.end() && i->second.kind == value_kind::text ? i->second.str
                                                                 : "";
}

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
    default:
      return "ignored";
  }
}

} // namespace

caf::behavior aggregator_actor(caf::stateful_actor<aggregator_state>* self,
                               config cfg, caf::actor publisher) {
  log_lifecycle(self, "aggregator");
  std::set<std::string> own{cfg.service_name};
  auto classify_source = [=](const std::string& service) {
    auto& st = self->state;
    auto cls = classify(service, custom_name_of(st.sources[service].values),
                        cfg, own);
    auto i = st.classes.find(service);
    if (i == st.classes.end() || i->second.role != cls.role
        || i->second.index != cls.index)
      log(log_level::info, "aggregator", service + ": " + role_name(cls.role));
    st.classes[service] = cls;
  };
  auto recompute = [=] {
    auto& st = self->state;
    bank_input in;
    in.dvcc = st.dvcc;
    in.now = self->clock().now();
    for (auto& [service, src] : st.sources) {
      auto& cls = st.classes[service];
      switch (cls.role) {
        case source_role::member:
          if (member_online(src.values))
            in.members.emplace(service, &src);
          break;
        case source_role::primary:
          in.primaries.emplace(cls.index, &src.values);
          break;
        case source_role::auxiliary:
          in.auxiliaries.emplace(cls.index, &src.values);
          break;
        default:
          break;
      }
    }
    std::vector<std::string> warnings;
    auto out = compute_bank(in, cfg, st.memory, &warnings);
    for (auto& w : warnings)
      log(log_level::warning, "aggregator", w);
    // A path once published stays (invalid) when its last source is gone:
    // dropping it silently would leave its old value in every client.
    invalidate_vanished(st.last_output, out);
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
        auto& src = st.sources[u.service];
        src.last_update = self->clock().now();
        auto old_name = custom_name_of(src.values);
        if (u.snapshot)
          src.values = u.values;
        else
          for (auto& [path, v] : u.values)
            src.values[path] = v;
        // A new source, or a renamed one: `name:` entries follow the name.
        if (st.classes.count(u.service) == 0
            || custom_name_of(src.values) != old_name)
          classify_source(u.service);
        recompute();
      },
      [=](const member_removed& r) {
        auto& st = self->state;
        st.classes.erase(r.service);
        if (st.sources.erase(r.service) > 0)
          recompute();
      },
      [=](const dvcc_state& d) {
        self->state.dvcc = d;
        recompute();
      },
      [=](summary_atom) {
        auto& st = self->state;
        health_stats s;
        s.component = "aggregator";
        for (auto& [service, src] : st.sources) {
          auto i = st.classes.find(service);
          if (i == st.classes.end() || i->second.role != source_role::member)
            continue;
          ++s.members_total;
          if (member_online(src.values))
            ++s.members_online;
        }
        s.updates = st.updates;
        return s;
      },
  };
}

} // namespace ba
