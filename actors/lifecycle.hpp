#pragma once

// One log line when an actor starts and one when it stops, with its name and
// the exit reason (product.md section 5, health logs).

#include <string>

#include <caf/error.hpp>
#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>

#include "logging/log.hpp"

namespace ba {

/// Text of an exit reason for the log: "normal", "user_shutdown", ...
std::string describe_exit(const caf::error& reason);

template <class Self>
void log_lifecycle(Self* self, const std::string& name) {
  auto tag = name + "#" + std::to_string(self->id());
  log(log_level::debug, "health", tag + " started");
  self->attach_functor([tag](const caf::error& reason) {
    auto lvl = !reason || reason == caf::exit_reason::user_shutdown
                   ? log_level::debug
                   : log_level::error;
    log(lvl, "health", tag + " stopped: " + describe_exit(reason));
  });
}

} // namespace ba
