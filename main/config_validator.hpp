#pragma once

// The config's meaning beyond its syntax: the schema's findings
// (main/config_schema) worded at their keys, and what a schema cannot say
// (near-miss suggestions, service names and paths, one role per source,
// nesting cycles, hook references, the main service's name). Fills the
// typed config as it goes.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "main/config_loader.hpp"

namespace ba {

/// Checks `doc` (parsed with keys in file order) and fills `rep`: its
/// config, errors and warnings, each `<origin>: <location>: <text>`.
void validate_config(const nlohmann::ordered_json& doc,
                     const std::string& origin, config_report& rep);

/// Every top-level key the validator reads, in README order.
std::vector<std::string> validated_keys();

} // namespace ba
