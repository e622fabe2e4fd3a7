#pragma once

// Every published path with its unit, wire type, rounding and writability:
// the one place where paths and units live (product.md section 7). The
// publisher formats from it, the README's path table is checked against it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ba {

enum class unit : uint8_t {
  volt,
  cell_volt, ///< V, to the millivolt: cell spreads are a few mV
  amp,
  amp_limit, ///< A, rounded down (charge limits must never round up)
  watt,
  percent,
  celsius,
  amphour,
  second,
  kwh,
  count, ///< integers: counts, flags, alarms, ids
  text,
};

/// D-Bus wire type of a published value: 'd', 'i' or 's'.
char wire_type(unit u);

/// Publishing resolution (0 for text and counts).
double resolution(unit u);

/// Suffix of the text form: "V", "A", "%", "°C"...
const char* unit_suffix(unit u);

enum class writable : uint8_t {
  no,
  text,
  log_level,
  trigger,
  /// /Battery/Request/Id: an integer 1..NrOfBatteries.
  member_id,
};

/// The longest text a client may write (/CustomName), and the longest
/// custom name taken from the settings service: the same limit wherever a
/// name enters.
constexpr size_t max_written_text = 128;

struct path_info {
  const char* path;
  unit u;
  writable write;
  /// The rule, in one line, for the README table.
  const char* rule;
};

/// Every path the main aggregate publishes, in publishing order.
const std::vector<path_info>& path_table();

/// The row of `path`, or nullptr for paths not in the table (passed through
/// with their own type). A member page path (`/Battery/3/Cell/12/Voltage`)
/// finds its family's row (`/Battery/<n>/Cell/<c>/Voltage`).
const path_info* find_path(std::string_view path);

/// The most cells a member page shows (and the most `/Voltages/Cell<c>`,
/// `/Temperatures/Cell<c>` a source may publish as battery vocabulary).
constexpr int max_page_cells = 32;

} // namespace ba
