#pragma once

// Paths in the config (role lists, FixedValueHook): which battery paths are
// known, what a well-formed D-Bus object path is, and how a path written
// with the wrong case or without its leading slash maps to its canonical
// spelling (product.md section 4).

#include <string>
#include <vector>

namespace ba {

/// Every battery path the loader knows by name: the aggregate's path table
/// plus the standard battery paths of venus-dbus.md sections 3 and 4. Each
/// once, in canonical spelling.
const std::vector<std::string>& known_battery_paths();

/// `/` followed by one or more elements of `[A-Za-z0-9_]`, separated by
/// single slashes, no trailing slash (the D-Bus object path rules, without
/// the root path `/`, which names no value).
bool is_object_path(const std::string& path);

/// The canonical spelling of a known path that `path` matches ignoring case
/// and a missing leading slash (`SOC` -> `/Soc`); "" when it matches none.
std::string canonical_path(const std::string& path);

/// A known path within typo distance of `path` but not equal to it ignoring
/// case ("" for none): `/Dc/0/Curent` is almost surely `/Dc/0/Current`.
std::string similar_known_path(const std::string& path);

} // namespace ba
