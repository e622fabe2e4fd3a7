#pragma once

// The command line, parsed by hand: CAF's parser accepts only --key=value
// and rejects unknown options (caf-sdbus-notes pitfall 25).

#include <string>
#include <vector>

#include <caf/optional.hpp>

namespace ba {

struct cli_options {
  std::string config_path = "/data/setupOptions/BatteryAggregator/config.json";
  bool config_given = false;
  bool check_config = false;
  /// "system", "session" or a D-Bus address; empty = the Venus rule.
  std::string bus;
  std::string log_level;
  bool version = false;
  bool help = false;
};

struct cli_result {
  cli_options opts;
  std::string error; ///< empty on success
};

cli_result parse_cli(const std::vector<std::string>& args);

std::string usage_text();

} // namespace ba
