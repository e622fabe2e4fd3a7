#pragma once

// Rounding, wire type and text of a published value, from the path table
// (product.md section 7). Pure, so the table-driven tests reach it.

#include <string>

#include "messages/bus_port.hpp"
#include "messages/path_table.hpp"
#include "messages/value.hpp"

namespace ba {

/// Rounds to the path's resolution (limits: down, with 1e-6 slack so that
/// 99.89999999 stays 99.9), converts to the path's wire type and renders the
/// text ("52.34V", "-12.3A", "---"). Paths outside the table keep their own
/// type and get a plain text.
export_item format_item(const std::string& path, const value& v);

/// The value part of format_item alone (its text follows from it): what
/// the publisher compares with what the bus has before it renders a text.
value format_value(const std::string& path, const value& v);

/// format_item for a value format_value already gave.
export_item rounded_item(const std::string& path, value rounded);

/// The same with the path's row already looked up (find_path; nullptr for
/// a path outside the table): the publisher keeps it per path.
value format_value(const path_info* row, const value& v);
export_item rounded_item(const std::string& path, const path_info* row,
                         value rounded);

/// `floor(x * 10 + 1e-6) / 10`: limits never round up.
double round_down_tenth(double x);

/// Round to the nearest multiple of `res`.
double round_to(double x, double res);

} // namespace ba
