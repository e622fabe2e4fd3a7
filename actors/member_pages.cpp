#include "actors/member_pages.hpp"

#include <array>
#include <cmath>

#include "actors/bank_rules.hpp"
#include "messages/path_table.hpp"

namespace ba {

namespace {

/// `/Voltages/Cell<c>` and `/Temperatures/Cell<c>` for c = 1..max, built
/// once: a page is written on every update of its member.
struct cell_keys {
  std::array<std::string, max_page_cells> voltage;
  std::array<std::string, max_page_cells> temperature;
};

const cell_keys& keys() {
  static const cell_keys k = [] {
    cell_keys result;
    for (int c = 0; c < max_page_cells; ++c) {
      auto n = std::to_string(c + 1);
      result.voltage[static_cast<size_t>(c)] = "/Voltages/Cell" + n;
      result.temperature[static_cast<size_t>(c)] = "/Temperatures/Cell" + n;
    }
    return result;
  }();
  return k;
}

const value* find(const value_map& values, std::string_view path) {
  auto i = values.find(path);
  return i == values.end() ? nullptr : &i->second;
}

/// The member's number at `path`, or invalid (text, NaN, missing).
value number(const value_map& values, std::string_view path) {
  auto* v = find(values, path);
  if (v == nullptr)
    return value::invalid();
  auto x = v->num();
  return x ? value::real(*x) : value::invalid();
}

/// "/Battery/<n>/" into `s`.
void slot_prefix(int n, std::string& s) {
  s.assign("/Battery/");
  s += std::to_string(n);
  s += '/';
}

/// Writes `v` at the slot path `prefix` + `leaf`.
void put_leaf(std::string& s, size_t prefix, std::string_view leaf,
              const value& v, value_writer& out) {
  s.resize(prefix);
  s.append(leaf.data(), leaf.size());
  out.set(s, v);
}

void put_cell(std::string& s, size_t prefix, int c, std::string_view leaf,
              const value& v, value_writer& out) {
  s.resize(prefix);
  s += "Cell/";
  s += std::to_string(c);
  s += '/';
  s.append(leaf.data(), leaf.size());
  out.set(s, v);
}

/// What gui-v2 writes in the entry's label, "Battery #n [serial]": the
/// member's own value when it has one (passed on without a copy).
void put_serial(std::string& s, size_t prefix, const std::string& service,
                const value_map& values, value_writer& out) {
  if (shown_text(values, "/Serial") != nullptr) {
    put_leaf(s, prefix, "Serial", *find(values, "/Serial"), out);
    return;
  }
  put_leaf(s, prefix, "Serial", value::text(member_label(service, values)),
           out);
}

/// The firmware version as the member publishes it: Victron products send
/// an integer (0x0112, shown "v1.12"), serial-battery drivers a text.
void put_firmware(std::string& s, size_t prefix, const value_map& values,
                  value_writer& out) {
  auto* v = find(values, "/FirmwareVersion");
  if (v != nullptr && v->kind == value_kind::text) {
    put_leaf(s, prefix, "FwVersion", *v, out);
    return;
  }
  auto x = v == nullptr ? caf::none : v->num();
  put_leaf(s, prefix, "FwVersion",
           x ? value::integer(static_cast<int64_t>(std::llround(*x)))
             : value::invalid(),
           out);
}

} // namespace

bool is_page_cell(std::string_view path) {
  static constexpr std::string_view families[]
      = {"/Voltages/Cell", "/Temperatures/Cell"};
  for (auto family : families) {
    if (path.size() <= family.size() || path.size() > family.size() + 2
        || path.compare(0, family.size(), family) != 0)
      continue;
    int c = 0;
    for (size_t i = family.size(); i < path.size(); ++i) {
      if (path[i] < '0' || path[i] > '9')
        return false;
      c = c * 10 + (path[i] - '0');
    }
    return path[family.size()] != '0' && c <= max_page_cells;
  }
  return false;
}

int member_cell_count(const value_map& values) {
  auto& k = keys();
  int c = 0;
  while (c < max_page_cells
         && values.count(k.voltage[static_cast<size_t>(c)]) != 0)
    ++c;
  return c;
}

int write_member_page(int n, const std::string& service,
                      const value_map& values, int previous_cells,
                      value_writer& out, std::string& scratch) {
  slot_prefix(n, scratch);
  auto prefix = scratch.size();
  put_serial(scratch, prefix, service, values, out);
  auto capacity = number(values, "/InstalledCapacity");
  if (!capacity.valid())
    capacity = number(values, "/Capacity");
  put_leaf(scratch, prefix, "Capacity", capacity, out);
  put_firmware(scratch, prefix, values, out);
  // The BMS state enum gui-v2 turns into text: an integer.
  auto state = number(values, "/State");
  put_leaf(scratch, prefix, "Status",
           state.valid() ? value::integer(std::llround(state.number))
                         : value::invalid(),
           out);
  put_leaf(scratch, prefix, "Voltage", number(values, "/Dc/0/Voltage"), out);
  put_leaf(scratch, prefix, "Current", number(values, "/Dc/0/Current"), out);
  put_leaf(scratch, prefix, "Temperature", number(values, "/Dc/0/Temperature"),
           out);
  put_leaf(scratch, prefix, "Soc", number(values, "/Soc"), out);
  auto& k = keys();
  auto cells = member_cell_count(values);
  for (int c = 1; c <= cells; ++c) {
    auto i = static_cast<size_t>(c - 1);
    put_cell(scratch, prefix, c, "Voltage", number(values, k.voltage[i]), out);
    put_cell(scratch, prefix, c, "Temperature",
             number(values, k.temperature[i]), out);
  }
  for (int c = cells + 1; c <= previous_cells; ++c) {
    put_cell(scratch, prefix, c, "Voltage", value::invalid(), out);
    put_cell(scratch, prefix, c, "Temperature", value::invalid(), out);
  }
  return cells;
}

void clear_member_page(int n, int previous_cells, value_writer& out,
                       std::string& scratch) {
  slot_prefix(n, scratch);
  auto prefix = scratch.size();
  for (auto leaf : {"Serial", "Capacity", "FwVersion", "Status", "Voltage",
                    "Current", "Temperature", "Soc"})
    put_leaf(scratch, prefix, leaf, value::invalid(), out);
  for (int c = 1; c <= previous_cells; ++c) {
    put_cell(scratch, prefix, c, "Voltage", value::invalid(), out);
    put_cell(scratch, prefix, c, "Temperature", value::invalid(), out);
  }
}

} // namespace ba
