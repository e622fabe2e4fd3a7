#pragma once

// Checks of the Venus BusItem contract (venus-dbus.md §3, §8.4) that more
// than one integration suite runs: on the main aggregate (conformance_test)
// and on every virtual battery (virtual_test).

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/bus_client.hpp"
#include "tests/integration/wire_value.hpp"

namespace ba::test {

/// venus-dbus.md §3: the paths every Venus service has.
const std::vector<std::string>& mandatory_paths();

/// The paths on which two GetItems snapshots agree: only those can be
/// compared with a third read in between (diagnostic paths such as update
/// ages may legitimately move).
std::set<std::string> stable_paths(const item_map& x, const item_map& y);

/// §8.4 item 1 on `service`: the GetItems sent from inside the handler of
/// its NameOwnerChanged (bus_client::arm_items_probe) was answered, with the
/// Venus signature, every mandatory path and a valid `i` /DeviceInstance.
void check_probe(const std::optional<items_probe>& probe,
                 const std::string& service);

/// What check_root_dicts read last, for further checks by the caller.
struct root_dicts {
  item_map after;               ///< GetItems after the dicts were read
  std::set<std::string> stable; ///< paths equal before and after
};

/// §8.4 item 3 on `service`: `GetValue` and `GetText` on `/` answer `v`
/// holding `a{sv}` / `a{ss}`, with the keys of GetItems without their
/// leading slash and the same values and texts; the `/Dc` node answers with
/// keys relative to it.
root_dicts check_root_dicts(bus_client& c, const std::string& service);

} // namespace ba::test
