#pragma once

// Reads the JSON config into the typed `config` (the only JSON parsing in
// the project). Every problem of a file is reported at once.

#include <string>
#include <vector>

#include "messages/config.hpp"

namespace ba {

struct config_report {
  config cfg;
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
  bool ok() const {
    return errors.empty();
  }
};

/// `origin` names the file in messages.
config_report parse_config(const std::string& text, const std::string& origin);

/// A missing file means defaults; an unreadable one is an error.
config_report load_config(const std::string& path);

} // namespace ba
