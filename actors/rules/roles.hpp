#pragma once

// Which role a source has (product.md section 1): decided from its service
// name and its current /CustomName, so that `name:<CustomName>` entries
// follow a source whose bus name changed. Pure.

#include <set>
#include <string>

#include "messages/config.hpp"
#include "messages/value.hpp"

namespace ba {

enum class source_role : uint8_t {
  member,
  excluded,
  primary,
  auxiliary,
  virtual_member, ///< feeds the virtual battery `index`
  own,            ///< a service this process publishes
  other,          ///< not a battery service
};

/// A source in one of these roles adds to an aggregate (member, primary,
/// auxiliary, virtual battery member).
bool contributes(source_role r);

struct source_class {
  source_role role = source_role::member;
  /// Position in `primary_services` / `auxiliary_services` /
  /// `virtual_batteries` (config order).
  size_t index = 0;
};

/// True when the config entry `entry` names this source: the exact service
/// name (never a prefix), or `name:<CustomName>` equal to its custom name.
bool names_source(const std::string& entry, const std::string& service,
                  const std::string& custom_name);

/// A virtual battery's membership comes first (its sources feed only it),
/// then primary and auxiliary, which win over excluded (the Python add-on's
/// users often listed them in both; the config loader warns about it).
/// Virtual batteries are themselves sources: pass only the main service as
/// `own_services` where they should be classified (the aggregator), and all
/// exported names where no source actor should be made for them
/// (discovery).
/// Every service name this process exports (main and virtual).
std::set<std::string> exported_services(const config& cfg);

source_class classify(const std::string& service,
                      const std::string& custom_name, const config& cfg,
                      const std::set<std::string>& own_services);

/// The /CustomName of a source, or "".
std::string custom_name_of(const value_map& values);

} // namespace ba
