#include "messages/config.hpp"

namespace ba {

std::string service_suffix(const std::string& service) {
  auto pos = service.rfind('.');
  return pos == std::string::npos ? service : service.substr(pos + 1);
}

bool operator==(const source_ref& x, const source_ref& y) {
  return x.name == y.name && x.paths == y.paths && x.all_paths == y.all_paths;
}

bool operator==(const hook_spec& x, const hook_spec& y) {
  return x.kind == y.kind && x.key == y.key && x.path == y.path
         && x.fixed == y.fixed && x.ccls == y.ccls && x.dcls == y.dcls;
}

bool operator==(const virtual_battery& x, const virtual_battery& y) {
  return x.service == y.service && x.kind == y.kind && x.members == y.members;
}

} // namespace ba
