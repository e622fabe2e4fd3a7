#pragma once

// Reads the JSON config into the typed `config` (the only JSON parsing in
// the project). Validation is strict and reports every problem of a file at
// once (product.md section 4).
//
// Every message reads `<origin>: <location>: <text>`, optionally followed by
// ` (did you mean "<x>"?)`. The location is `line L, column C` for invalid
// JSON and otherwise the JSON path of the offending value, written like
// JavaScript: plain identifiers after a dot (`ir.minVoltageChange`), other
// keys quoted in brackets (`primaryServices["com.victronenergy.battery.x"]`),
// list indices in brackets (`[2]`); `top level` for the whole document.
//
// Order of the messages: duplicate keys (file order), then each top-level
// key's own checks in file order, then the checks that need the whole file:
// names of this process's own services, roles, nesting cycles, hook
// references, unused hook definitions.

#include <cstdint>
#include <string>
#include <vector>

#include "messages/config.hpp"

namespace ba {

struct config_report {
  config cfg;
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
  /// No file at the path (nor behind a symlink): `cfg` holds the defaults,
  /// which only a start may use; a reload keeps the running config.
  bool missing = false;
  bool ok() const {
    return errors.empty();
  }
};

/// `origin` names the file in messages. Never throws; `cfg` is only
/// meaningful when `ok()`.
config_report parse_config(const std::string& text, const std::string& origin);

/// Every top-level key the loader reads, in README order: the schema
/// (config/battery-aggregator.schema.json) must list exactly these.
std::vector<std::string> config_keys();

/// The largest config file read (a real one is a few KiB).
constexpr uint64_t max_config_bytes = 1024 * 1024;

/// A missing file (or dangling symlink) means defaults and sets `missing`;
/// anything but a regular file of at most `max_config_bytes` is an error
/// (`<path>: cannot be read: <reason>`, the one message without location),
/// refused by type before it is opened, so a FIFO or a device never blocks.
config_report load_config(const std::string& path);

} // namespace ba
