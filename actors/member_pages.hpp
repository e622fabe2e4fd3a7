#pragma once

// The per-member pages gui-v2 shows under "Individual Battery Info"
// (gx-native.md section 1): `/Battery/<n>/...` for the n-th counting member
// in service-name order. Pure: the bank engine decides which slots to write
// (only the member that changed, so the cost per update does not grow with
// the bank) and passes a writer.

#include <string>
#include <string_view>

#include "messages/value.hpp"

namespace ba {

/// `/Voltages/Cell<c>` or `/Temperatures/Cell<c>` with c = 1..max_page_cells:
/// the cells a page shows. They are battery vocabulary (a 24-cell pack with
/// cell temperatures must not use up the bound on unknown paths) and feed
/// no bank rule but the pages.
bool is_page_cell(std::string_view path);

/// The cells a member publishes: c where `/Voltages/Cell1` .. `Cell<c>` are
/// all present (the dbus-serialbattery convention), at most max_page_cells.
int member_cell_count(const value_map& values);

/// Writes the page of the member `service` with `values` as slot `n`
/// (1-based) into `out`: Serial, Capacity, FwVersion, Status, Voltage,
/// Current, Temperature, Soc and its cells. A value the member does not
/// publish is written invalid (gui-v2 leaves that line out), and so are
/// the cells between its own count and `previous_cells` (what the slot
/// showed before: a member with fewer cells must not show another's).
/// Returns the member's cell count. `scratch` holds the paths as they are
/// built (no allocation once it has grown).
int write_member_page(int n, const std::string& service,
                      const value_map& values, int previous_cells,
                      value_writer& out, std::string& scratch);

/// Writes every path of slot `n` invalid (its member left the list), cells
/// up to `previous_cells`.
void clear_member_page(int n, int previous_cells, value_writer& out,
                       std::string& scratch);

} // namespace ba
