#pragma once

// Which role a source has (product.md section 1): decided from its service
// name and its current /CustomName, so that `name:<CustomName>` entries
// follow a source whose bus name changed. Pure.

#include <set>
#include <string>

#include "messages/config.hpp"

namespace ba {

enum class source_role : uint8_t {
  member,
  excluded,
  primary,
  auxiliary,
  own,   ///< a service this process publishes
  other, ///< not a battery service
};

struct source_class {
  source_role role = source_role::member;
  /// Position in `primary_services` / `auxiliary_services` (config order).
  size_t index = 0;
};

/// True when the config entry `entry` names this source: the exact service
/// name (never a prefix), or `name:<CustomName>` equal to its custom name.
bool names_source(const std::string& entry, const std::string& service,
                  const std::string& custom_name);

/// Primary and auxiliary win over excluded (the Python add-on's users often
/// listed them in both; the config loader warns about it).
source_class classify(const std::string& service,
                      const std::string& custom_name, const config& cfg,
                      const std::set<std::string>& own_services);

} // namespace ba
