#include "actors/source_table.hpp"

namespace ba {

bool counts(const tracked_source& t) {
  return t.has_status && (t.status == member_status::online || !t.expired);
}

tracked_source& source_table::update(const member_update& u,
                                     caf::actor_clock::time_point now) {
  auto& t = sources_[u.service];
  t.src.last_update = now;
  if (u.snapshot) {
    t.src.values = u.values;
    t.src.index.rebuild(t.src.values);
  } else {
    for (auto& [path, v] : u.values)
      t.src.values[path] = v;
    // Built on the first update; from then on only the changed rows.
    if (t.src.index.built())
      t.src.index.update(u.values);
    else
      t.src.index.rebuild(t.src.values);
  }
  return t;
}

caf::optional<uint64_t> source_table::set_state(const member_state& ms,
                                                bool grace_enabled) {
  auto i = sources_.find(ms.service);
  if (i == sources_.end())
    return caf::none; // lost before its first scan: nothing to keep
  auto& t = i->second;
  t.has_status = true;
  t.status = ms.status;
  ++t.grace_generation;
  if (ms.status == member_status::online) {
    t.expired = false;
    return caf::none;
  }
  if (grace_enabled) {
    t.expired = false;
    return t.grace_generation;
  }
  t.expired = true;
  if (ms.status == member_status::lost)
    sources_.erase(i);
  return caf::none;
}

bool source_table::expire(const std::string& service, uint64_t generation) {
  auto i = sources_.find(service);
  if (i == sources_.end() || i->second.grace_generation != generation)
    return false;
  i->second.expired = true;
  if (i->second.status == member_status::lost)
    sources_.erase(i);
  return true;
}

bool source_table::remove(const std::string& service) {
  return sources_.erase(service) > 0;
}

} // namespace ba
