#include "actors/lifecycle.hpp"

#include <caf/exit_reason.hpp>

namespace ba {

std::string describe_exit(const caf::error& reason) {
  if (!reason)
    return "normal";
  if (reason.category() == caf::atom("exit"))
    return caf::to_string(static_cast<caf::exit_reason>(reason.code()));
  if (reason.category() == caf::atom("system"))
    return caf::to_string(static_cast<caf::sec>(reason.code()));
  return "error " + std::to_string(reason.code());
}

} // namespace ba
