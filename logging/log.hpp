#pragma once

// The project's log facade (a mutex and stderr: not vocabulary, so not in
// messages/). CAF's own logging is compiled out in Debian's
// build, and on a GX multilog adds the time stamp, so a line is just
// "LEVEL component: message" on stderr.

#include <cstddef>
#include <string>

#include "messages/log_level.hpp"

namespace ba {

/// Thread-safe: called from actors and from the D-Bus thread alike. The
/// message goes through `one_line` first: it holds text from outside
/// (paths, service and custom names, config strings).
void log(log_level lvl, const std::string& component, const std::string& msg);

/// The longest message a log line carries, in bytes.
constexpr size_t max_log_message = 1024;

/// `msg` as one line that cannot forge another: control characters
/// escaped (`\n`, `\r`, `\t`, others as `\xNN`), cut to `max` bytes
/// with `... (N bytes)` naming the original size.
std::string one_line(const std::string& msg, size_t max = max_log_message);

void set_log_level(log_level lvl);
log_level current_log_level();

} // namespace ba
