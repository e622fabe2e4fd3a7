#include "messages/config.hpp"

namespace ba {

std::string service_suffix(const std::string& service) {
  auto pos = service.rfind('.');
  return pos == std::string::npos ? service : service.substr(pos + 1);
}

} // namespace ba
