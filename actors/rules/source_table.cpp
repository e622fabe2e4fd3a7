#include "actors/rules/source_table.hpp"

#include "actors/rules/input_check.hpp"
#include "actors/rules/member_index.hpp"
#include "actors/rules/member_pages.hpp"
#include "messages/path_table.hpp"
#include "messages/paths.hpp"

namespace ba {

bool path_kept(const std::string& path, size_t other_paths, bool known) {
  if (path.size() > max_path_bytes)
    return false;
  return known || other_paths < max_other_paths;
}

offline_cause offline_reason(const value_map& values) {
  auto connected = values.find(paths::connected);
  if (connected != values.end()) {
    auto x = connected->second.num();
    if (x && *x == 0)
      return offline_cause::disconnected;
  }
  auto cable = values.find(paths::alarm_bms_cable);
  if (cable != values.end()) {
    auto x = cable->second.num();
    if (x && *x == 2)
      return offline_cause::cable_lost;
  }
  return offline_cause::none;
}

namespace {

bool is_status_path(const std::string& path) {
  return path == paths::connected || path == paths::alarm_bms_cable;
}

/// Bad input never reaches the rules: it counts as invalid, logged once per
/// source and path (product.md 5).
value checked(const std::string& service, tracked_source& t,
              const std::string& path, const value& v,
              std::vector<std::string>& warnings) {
  auto verdict = check_input(path, v);
  if (!verdict.rejected)
    return verdict.val;
  switch (t.bad_logged.note(path)) {
    case log_cap::verdict::log:
      warnings.push_back(service + " " + path + ": " + verdict.reason
                         + " (ignored)");
      break;
    case log_cap::verdict::summary:
      warnings.push_back(service
                         + ": more bad values on further paths, not logged");
      break;
    case log_cap::verdict::quiet:
      break;
  }
  return verdict.val;
}

/// Bounds what one source can make us keep (memory): a new path too long,
/// or one more unknown path than allowed, is dropped (logged once). Asked
/// only for paths not kept yet, so an update of known paths pays nothing.
bool admit(const std::string& service, tracked_source& t,
           const std::string& path, std::vector<std::string>& warnings) {
  // Exact paths of the table only: a source's own `/Battery/<n>/...` (a
  // parallel BMS as member) are not our vocabulary, and counting them as
  // known would lift the bound for a source that publishes thousands.
  bool known = path_row(path) >= 0 || is_page_cell(path);
  if (!path_kept(path, t.other_paths, known)) {
    if (!t.dropped_logged) {
      t.dropped_logged = true;
      warnings.push_back(service + ": paths dropped (longer than "
                         + std::to_string(max_path_bytes)
                         + " bytes, or more than "
                         + std::to_string(max_other_paths)
                         + " outside the battery vocabulary), e.g. " + path);
    }
    return false;
  }
  if (!known)
    ++t.other_paths;
  return true;
}

} // namespace

bool counts(const tracked_source& t) {
  return t.has_status && (t.status == member_status::online || !t.expired);
}

tracked_source& source_table::update(const member_update& u,
                                     caf::actor_clock::time_point now) {
  auto& t = sources_[u.service];
  t.src.last_update = now;
  ++t.src.generation;
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

tracked_source& source_table::replace(const std::string& service,
                                      value_map values,
                                      caf::actor_clock::time_point now) {
  auto& t = sources_[service];
  t.src.last_update = now;
  ++t.src.generation;
  t.src.values = std::move(values);
  t.src.index.rebuild(t.src.values);
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

value_map source_table::take_scan(const std::string& service,
                                  const value_map& raw,
                                  caf::actor_clock::time_point now,
                                  std::vector<std::string>& warnings) {
  auto& t = sources_[service];
  t.last_signal = now;
  t.other_paths = 0;
  t.status_values.clear();
  value_map values;
  for (auto& [path, v] : raw) {
    if (!admit(service, t, path, warnings))
      continue;
    auto& kept = values.emplace(path, checked(service, t, path, v, warnings))
                     .first->second;
    if (is_status_path(path))
      t.status_values[path] = kept;
  }
  t.taking = offline_reason(t.status_values) == offline_cause::none;
  return values;
}

tracked_source* source_table::take_changes(const std::string& service,
                                           const value_map& raw,
                                           caf::actor_clock::time_point now,
                                           value_map& changed,
                                           std::vector<std::string>& warnings) {
  auto i = sources_.find(service);
  if (i == sources_.end())
    return nullptr;
  auto& t = i->second;
  t.last_signal = now;
  for (auto& [path, v] : raw) {
    if (is_status_path(path))
      t.status_values[path] = checked(service, t, path, v, warnings);
    if (!t.taking)
      continue;
    auto slot = t.src.values.find(path);
    if (slot == t.src.values.end()) {
      if (!admit(service, t, path, warnings))
        continue;
      slot = t.src.values.emplace(path, value::invalid()).first;
    }
    auto val = is_status_path(path) ? t.status_values[path]
                                    : checked(service, t, path, v, warnings);
    if (slot->second != val || slot->second.kind != val.kind) {
      slot->second = val;
      changed.emplace(path, std::move(val));
    }
  }
  if (!changed.empty()) {
    t.src.last_update = now;
    ++t.src.generation;
    if (t.src.index.built())
      t.src.index.update(changed);
    else
      t.src.index.rebuild(t.src.values);
  }
  return &t;
}

} // namespace ba
