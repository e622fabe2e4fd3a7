#pragma once

// The per-member pages gui-v2 shows under "Individual Battery Info"
// (gx-native.md section 1): `/Battery/<n>/...` for the n-th counting member
// in service-name order. Pure: the bank engine decides which slots to write
// (only the member that changed, so the cost per update does not grow with
// the bank) and passes a writer.

#include <string>
#include <string_view>
#include <vector>

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

/// The output entries of one slot, found on first use and kept (a map's
/// entries stay where they are): a page is written on every update of its
/// member, and finding its paths in the bank's output each time cost more
/// than the page itself. Only for an output map whose entries are never
/// erased (the bank's).
struct page_slot {
  std::vector<value_map::value_type*> entries;
};

/// Writes the page of the member `service` with `values` as slot `n`
/// (1-based) into `out`: Serial, Capacity, FwVersion, Status, Voltage,
/// Current, Temperature and its cells: what gui-v2's page shows, nothing
/// more (each path published per pack and update costs the hot path). A value
/// the member does not publish is written invalid (gui-v2 leaves that line
/// out), and so are the cells between its own count and `previous_cells` (what
/// the slot showed before: a member with fewer cells must not show another's).
/// Returns the member's cell count. `scratch` holds the paths as they are
/// built (no allocation once it has grown).
int write_member_page(int n, const std::string& service,
                      const value_map& values, int previous_cells,
                      value_writer& out, std::string& scratch,
                      page_slot* slot = nullptr);

/// Writes every path of slot `n` invalid (its member left the list), cells
/// up to `previous_cells`.
void clear_member_page(int n, int previous_cells, value_writer& out,
                       std::string& scratch);

} // namespace ba
