#include "actors/rules/roster.hpp"

#include <nlohmann/json.hpp>

namespace ba {

namespace {

constexpr char nr_known_path[] = "/System/NrOfBatteriesKnown";
constexpr char missing_path[] = "/System/MissingBatteries";
constexpr char cable_path[] = "/Alarms/BmsCable";
constexpr char parallel_lost_path[] = "/Alarms/ParallelBmsLost";

} // namespace

void apply_roster(const std::set<std::string>& roster,
                  const std::set<std::string>& counting, bool startup_done,
                  bool cable_when_missing, value_map& out) {
  auto missing = nlohmann::json::array();
  for (auto& name : roster)
    if (counting.count(name) == 0)
      missing.push_back(name);
  out[nr_known_path] = value::integer(static_cast<int64_t>(roster.size()));
  out[missing_path] = value::text(missing.dump());
  // The members' own level, as the alarm rule aggregated it (absent when
  // none publishes it).
  auto own = [&](const char* path) {
    auto i = out.find(path);
    return i == out.end() ? caf::none : i->second.num();
  };
  // A pack lost is its own notification (gx-native.md 2): 2 while one is
  // missing; otherwise what the members say, 0 when they say nothing.
  auto lost = own(parallel_lost_path);
  out[parallel_lost_path] = value::integer(!missing.empty() ? 2
                                           : lost ? static_cast<int64_t>(*lost)
                                                  : 0);
  // /Alarms/BmsCable means the bank itself: 2 when none counts. Only set
  // when the roster says something: otherwise the alarm stays as the
  // members have it (absent until one publishes it).
  auto cable = own(cable_path);
  if (counting.empty() && (!roster.empty() || startup_done))
    out[cable_path] = value::integer(2);
  else if (!missing.empty() && cable_when_missing)
    out[cable_path] = value::integer(
        cable && *cable > 1 ? static_cast<int64_t>(*cable) : 1);
}

} // namespace ba
