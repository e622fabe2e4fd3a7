#pragma once

// The primary/auxiliary merge (product.md section 2.2). Pure: takes the
// member aggregate and the sources' latest values, returns what to publish.
//
// For every path, in this order:
//   1. the first usable value among the primaries that list the path, in
//      config order;
//   2. else the member aggregate's value, if usable;
//   3. else the first usable value among the auxiliaries that list it;
//   4. else invalid.
// "Usable" is: valid, not a NaN or infinite number, and of the kind the path
// table (messages/path_table.hpp) gives the path (text for a text path, a
// number for a numeric one), so that a source can never make a published
// path change its wire type. Paths outside the table take any valid text or
// finite number.

#include <string>
#include <vector>

#include "messages/config.hpp"
#include "messages/value.hpp"

namespace ba {

/// A primary or auxiliary source as the merge sees it.
struct role_source {
  /// Its config entry: which paths it is used for. Must not be null.
  const source_ref* ref;
  /// Its latest values; nullptr while the source is not on the bus, which
  /// simply makes it stop contributing.
  const value_map* values;
};

/// The paths a source must never copy onto the aggregate, because they
/// describe the aggregate service itself, not the battery: `/Mgmt/*`,
/// `/DeviceInstance`, `/ProductId`, `/ProductName`, `/FirmwareVersion`,
/// `/HardwareVersion`, `/Serial`, `/Connected`, `/CustomName`, `/LogLevel`,
/// and the roster paths of section 2.5 (`/Redetect`,
/// `/System/NrOfBatteries`, `/System/BatteriesParallel`,
/// `/System/BatteriesSeries`, `/System/NrOfBatteriesKnown`,
/// `/System/MissingBatteries`, `/System/Batteries`,
/// `/System/InternalResistances`, `/System/EMFs`). They are excluded even
/// when a config lists them explicitly: a primary's `/DeviceInstance` or
/// `/Connected` on our service would break VRM and systemcalc, and no
/// configuration can make that right.
bool is_identity_path(const std::string& path);

/// Whether `src` is used for `path`: listed explicitly, or (`all_paths`)
/// present in its values; never for identity paths.
bool source_lists(const role_source& src, const std::string& path);

/// The merged map. Its paths are the union of the aggregate's paths, every
/// non-identity path an `all_paths` source on the bus has, and every
/// non-identity path listed explicitly by a source (present even while that
/// source is off the bus, so that a pass-through path turns invalid rather
/// than keeping its last value). A path without a usable value anywhere is
/// present as invalid. The aggregate's own paths are never filtered: the
/// identity rule is about sources.
value_map merge_roles(const value_map& aggregate,
                      const std::vector<role_source>& primaries,
                      const std::vector<role_source>& auxiliaries);

/// Adds, as invalid, every path of `previous` that `next` lacks. The
/// publisher keeps a path's last value when a later map omits it; a path
/// that only an `all_paths` source (or only one member, like an alarm)
/// provided would otherwise stay frozen after that source left. Apply to the
/// final map before publishing it.
void invalidate_vanished(const value_map& previous, value_map& next);

/// The entries of `next` that `previous` lacks or holds with another value
/// or kind: all a publisher, which keeps the last value of every path, needs
/// to be told. Apply after invalidate_vanished (a path missing from `next`
/// is not reported). One pass over both maps, no copy of the unchanged.
value_map changed_entries(const value_map& previous, const value_map& next);

} // namespace ba
