#pragma once

// The project's log facade. CAF's own logging is compiled out in Debian's
// build, and on a GX multilog adds the time stamp, so a line is just
// "LEVEL component: message" on stderr.

#include <cstdint>
#include <string>

#include <caf/optional.hpp>

namespace ba {

enum class log_level : uint8_t { debug, info, warning, error };

/// Thread-safe: called from actors and from the D-Bus thread alike.
void log(log_level lvl, const std::string& component, const std::string& msg);

void set_log_level(log_level lvl);
log_level current_log_level();

/// `DEBUG` ... `ERROR`, case-insensitive; nothing for anything else.
caf::optional<log_level> parse_log_level(const std::string& text);
const char* to_string(log_level lvl);

} // namespace ba
