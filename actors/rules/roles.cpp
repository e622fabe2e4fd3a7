#include "actors/rules/roles.hpp"
#include "messages/paths.hpp"

namespace ba {

bool contributes(source_role r) {
  switch (r) {
    case source_role::member:
    case source_role::primary:
    case source_role::auxiliary:
    case source_role::virtual_member:
      return true;
    default:
      return false;
  }
}

namespace {

constexpr const char* battery_prefix = "com.victronenergy.battery.";
constexpr const char* alias_prefix = "name:";

} // namespace

bool names_source(const std::string& entry, const std::string& service,
                  const std::string& custom_name) {
  if (entry.compare(0, 5, alias_prefix) == 0)
    return !custom_name.empty()
           && entry.compare(5, std::string::npos, custom_name) == 0;
  return entry == service;
}

std::set<std::string> exported_services(const config& cfg) {
  std::set<std::string> result{cfg.service_name};
  for (auto& vb : cfg.virtual_batteries)
    result.insert(vb.service);
  return result;
}

source_class classify(const std::string& service,
                      const std::string& custom_name, const config& cfg,
                      const std::set<std::string>& own_services) {
  if (service.compare(0, 26, battery_prefix) != 0)
    return {source_role::other, 0};
  if (own_services.count(service) != 0)
    return {source_role::own, 0};
  for (size_t i = 0; i < cfg.virtual_batteries.size(); ++i)
    for (auto& m : cfg.virtual_batteries[i].members)
      if (names_source(m.name, service, custom_name))
        return {source_role::virtual_member, i};
  for (size_t i = 0; i < cfg.primary_services.size(); ++i)
    if (names_source(cfg.primary_services[i].name, service, custom_name))
      return {source_role::primary, i};
  for (size_t i = 0; i < cfg.auxiliary_services.size(); ++i)
    if (names_source(cfg.auxiliary_services[i].name, service, custom_name))
      return {source_role::auxiliary, i};
  for (auto& e : cfg.excluded_services)
    if (names_source(e, service, custom_name))
      return {source_role::excluded, 0};
  return {source_role::member, 0};
}

std::string custom_name_of(const value_map& values) {
  auto i = values.find(paths::custom_name);
  return i != values.end() && i->second.kind == value_kind::text ? i->second.str
                                                                 : "";
}

} // namespace ba
