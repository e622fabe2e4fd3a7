#pragma once

// The roster's paths (product.md 1.1, gx-native.md 2): which members were
// seen and which are missing, and the two alarms that say so. Used by the
// main bank and by every parallel or series virtual battery.

#include <set>
#include <string>

#include "messages/value.hpp"

namespace ba {

/// The roster paths (product.md 1.1, gx-native.md 2) over `out`, which holds
/// the members' own /Alarms/BmsCable and /Alarms/ParallelBmsLost (as the
/// alarm rule aggregated them) if they have any: NrOfBatteriesKnown,
/// MissingBatteries; /Alarms/ParallelBmsLost 2 while a roster member is
/// missing, else the members' level or 0; /Alarms/BmsCable 2 when none
/// counts (or none was seen after the start-up wait), and with
/// `cable_when_missing` (`bmsCableWhenMissing`) at least 1 while a roster
/// member is missing. Pure.
void apply_roster(const std::set<std::string>& roster,
                  const std::set<std::string>& counting, bool startup_done,
                  bool cable_when_missing, value_map& out);

} // namespace ba
