#pragma once

// The log levels: vocabulary of the config (`logLevel`) and of the
// writable /LogLevel path. The facade that writes lines is logging/log.hpp.

#include <cstdint>
#include <string>

#include <caf/optional.hpp>

namespace ba {

enum class log_level : uint8_t { debug, info, warning, error };

/// `DEBUG` ... `ERROR`, case-insensitive; nothing for anything else.
caf::optional<log_level> parse_log_level(const std::string& text);
const char* to_string(log_level lvl);

} // namespace ba
