#include "actors/rules/role_merge.hpp"

#include <algorithm>
#include <set>

#include "messages/path_table.hpp"
#include "messages/paths.hpp"

namespace ba {

namespace {

/// Whether `v` may be published at `path` (see the header): invalid values
/// and non-finite numbers never win over a real value further down the
/// order, and a value of the wrong kind for the path table would be turned
/// into invalid by the formatter anyway, so it must not hide a good one.
bool usable(const std::string& path, const value& v) {
  if (!v.valid())
    return false;
  if (v.is_number() && !v.num())
    return false;
  if (auto* row = find_path(path)) {
    bool text_path = wire_type(row->u) == 's';
    return text_path == (v.kind == value_kind::text);
  }
  return true;
}

/// The usable value of `src` at `path`, or nullptr.
const value* contribution(const role_source& src, const std::string& path) {
  if (src.values == nullptr || !source_lists(src, path))
    return nullptr;
  auto i = src.values->find(path);
  if (i == src.values->end() || !usable(path, i->second))
    return nullptr;
  return &i->second;
}

/// Adds the paths `src` provides to `paths`.
void collect(const role_source& src, std::set<std::string>& paths) {
  if (src.ref == nullptr)
    return;
  if (src.ref->all_paths) {
    if (src.values != nullptr)
      for (auto& kv : *src.values)
        if (!is_identity_path(kv.first))
          paths.insert(kv.first);
    return;
  }
  // Explicit paths count even while the source is away: see merge_roles.
  for (auto& path : src.ref->paths)
    if (!is_identity_path(path))
      paths.insert(path);
}

} // namespace

bool is_identity_path(const std::string& path) {
  static const std::set<std::string> exact{
      // Identity (product.md 2.5, the first eleven rows).
      paths::device_instance,
      paths::product_id,
      paths::product_name,
      paths::firmware_version,
      paths::hardware_version,
      paths::serial,
      paths::connected,
      paths::custom_name,
      paths::log_level,
      // Roster and diagnostics (product.md 2.5): they describe our members,
      // not a source's.
      paths::redetect,
      paths::nr_of_batteries,
      paths::batteries_parallel,
      paths::batteries_series,
      paths::nr_of_batteries_known,
      paths::missing_batteries,
      paths::batteries,
      paths::internal_resistances,
      paths::emfs,
  };
  static const std::string mgmt = paths::mgmt_prefix;
  return path.compare(0, mgmt.size(), mgmt) == 0 || exact.count(path) > 0;
}

bool source_lists(const role_source& src, const std::string& path) {
  if (src.ref == nullptr || is_identity_path(path))
    return false;
  if (src.ref->all_paths)
    return src.values != nullptr && src.values->count(path) > 0;
  auto& ps = src.ref->paths;
  return std::find(ps.begin(), ps.end(), path) != ps.end();
}

value_map merge_roles(const value_map& aggregate,
                      const std::vector<role_source>& primaries,
                      const std::vector<role_source>& auxiliaries) {
  std::set<std::string> paths;
  for (auto& kv : aggregate)
    paths.insert(kv.first);
  for (auto& src : primaries)
    collect(src, paths);
  for (auto& src : auxiliaries)
    collect(src, paths);
  value_map out;
  for (auto& path : paths) {
    auto pick = [&]() -> value {
      // A primary overrides: the user named it because it knows better
      // (e.g. a shunt's SoC over the BMSes' estimates).
      for (auto& src : primaries)
        if (auto* v = contribution(src, path))
          return *v;
      auto i = aggregate.find(path);
      if (i != aggregate.end() && usable(path, i->second))
        return i->second;
      // An auxiliary only fills gaps the members leave.
      for (auto& src : auxiliaries)
        if (auto* v = contribution(src, path))
          return *v;
      return value::invalid();
    };
    out.emplace(path, pick());
  }
  return out;
}

void invalidate_vanished(const value_map& previous, value_map& next) {
  for (auto& kv : previous)
    next.emplace(kv.first, value::invalid()); // no-op where next has it
}

value_map changed_entries(const value_map& previous, const value_map& next) {
  value_map out;
  auto less = previous.key_comp();
  auto p = previous.begin();
  for (auto& kv : next) {
    while (p != previous.end() && less(p->first, kv.first))
      ++p;
    bool same = p != previous.end() && !less(kv.first, p->first)
                && p->second == kv.second; // == compares the kind too
    if (!same)
      out.emplace_hint(out.end(), kv);
  }
  return out;
}

} // namespace ba
