#include "actors/rules/roster.hpp"
#include "messages/paths.hpp"

#include <nlohmann/json.hpp>

namespace ba {

namespace {} // namespace

void apply_roster(const std::set<std::string>& roster,
                  const std::set<std::string>& counting, bool startup_done,
                  bool cable_when_missing, value_map& out) {
  auto missing = nlohmann::json::array();
  for (auto& name : roster)
    if (counting.count(name) == 0)
      missing.push_back(name);
  out[paths::nr_of_batteries_known]
      = value::integer(static_cast<int64_t>(roster.size()));
  out[paths::missing_batteries] = value::text(missing.dump());
  // The members' own level, as the alarm rule aggregated it (absent when
  // none publishes it).
  auto own = [&](const char* path) {
    auto i = out.find(path);
    return i == out.end() ? caf::none : i->second.num();
  };
  // A pack lost is its own notification (gx-native.md 2): 2 while one is
  // missing; otherwise what the members say, 0 when they say nothing.
  auto lost = own(paths::alarm_parallel_bms_lost);
  out[paths::alarm_parallel_bms_lost]
      = value::integer(!missing.empty() ? 2
                       : lost           ? static_cast<int64_t>(*lost)
                                        : 0);
  // /Alarms/BmsCable means the bank itself: 2 when none counts. Only set
  // when the roster says something: otherwise the alarm stays as the
  // members have it (absent until one publishes it).
  auto cable = own(paths::alarm_bms_cable);
  if (counting.empty() && (!roster.empty() || startup_done))
    out[paths::alarm_bms_cable] = value::integer(2);
  else if (!missing.empty() && cable_when_missing)
    out[paths::alarm_bms_cable] = value::integer(
        cable && *cable > 1 ? static_cast<int64_t>(*cable) : 1);
}

} // namespace ba
