#include "actors/rules/member_pages.hpp"

#include <array>
#include <cmath>

#include "actors/rules/bank_rules.hpp"
#include "messages/path_table.hpp"
#include "messages/paths.hpp"

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
      result.voltage[static_cast<size_t>(c)] = paths::cell_voltage_prefix + n;
      result.temperature[static_cast<size_t>(c)]
          = paths::cell_temperature_prefix + n;
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
  s.assign(paths::page_prefix);
  s += std::to_string(n);
  s += '/';
}

constexpr std::string_view fixed_leaves[]
    = {paths::page_serial,     paths::page_capacity, paths::page_fw_version,
       paths::page_status,     paths::page_voltage,  paths::page_current,
       paths::page_temperature};
constexpr size_t n_fixed = std::size(fixed_leaves);

/// Writes one slot's paths: entry k is fixed leaf k for k < n_fixed, then
/// cell c's voltage at n_fixed + 2 (c - 1) and its temperature after it.
struct page_writer {
  value_writer& out;
  std::string& s;
  size_t prefix;
  page_slot* slot;

  void path_of(size_t k) {
    s.resize(prefix);
    if (k < n_fixed) {
      s.append(fixed_leaves[k].data(), fixed_leaves[k].size());
      return;
    }
    auto c = (k - n_fixed) / 2 + 1;
    s += paths::page_cell;
    s += std::to_string(c);
    s += (k - n_fixed) % 2 == 0 ? paths::page_cell_voltage
                                : paths::page_cell_temperature;
  }

  void put(size_t k, const value& v) {
    if (slot == nullptr) {
      path_of(k);
      out.set(s, v);
      return;
    }
    if (slot->entries.size() <= k)
      slot->entries.resize(k + 1, nullptr);
    auto& e = slot->entries[k];
    if (e != nullptr) {
      out.set_entry(*e, v);
      return;
    }
    path_of(k);
    e = &out.set_found(s, v);
  }
};

size_t cell_entry(int c, bool temperature) {
  return n_fixed + 2 * static_cast<size_t>(c - 1) + (temperature ? 1 : 0);
}

/// What gui-v2 writes in the entry's label, "Battery #n [serial]": the
/// member's own value when it has one (passed on without a copy).
void put_serial(page_writer& w, const std::string& service,
                const value_map& values) {
  if (shown_text(values, paths::serial) != nullptr) {
    w.put(0, *find(values, paths::serial));
    return;
  }
  w.put(0, value::text(member_label(service, values)));
}

/// The firmware version as the member publishes it: Victron products send
/// an integer (0x0112, shown "v1.12"), serial-battery drivers a text.
void put_firmware(page_writer& w, const value_map& values) {
  auto* v = find(values, paths::firmware_version);
  if (v != nullptr && v->kind == value_kind::text) {
    w.put(2, *v);
    return;
  }
  auto x = v == nullptr ? caf::none : v->num();
  w.put(2, x ? value::integer(static_cast<int64_t>(std::llround(*x)))
             : value::invalid());
}

} // namespace

bool is_page_cell(std::string_view path) {
  static constexpr std::string_view families[]
      = {paths::cell_voltage_prefix, paths::cell_temperature_prefix};
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
                      value_writer& out, std::string& scratch,
                      page_slot* slot) {
  slot_prefix(n, scratch);
  page_writer w{out, scratch, scratch.size(), slot};
  put_serial(w, service, values);
  auto capacity = number(values, paths::installed_capacity);
  if (!capacity.valid())
    capacity = number(values, paths::capacity);
  w.put(1, capacity);
  put_firmware(w, values);
  // The BMS state enum gui-v2 turns into text: an integer.
  auto state = number(values, paths::state);
  w.put(3, state.valid() ? value::integer(std::llround(state.number))
                         : value::invalid());
  w.put(4, number(values, paths::dc_voltage));
  w.put(5, number(values, paths::dc_current));
  w.put(6, number(values, paths::dc_temperature));
  auto& k = keys();
  auto cells = member_cell_count(values);
  for (int c = 1; c <= cells; ++c) {
    auto i = static_cast<size_t>(c - 1);
    w.put(cell_entry(c, false), number(values, k.voltage[i]));
    w.put(cell_entry(c, true), number(values, k.temperature[i]));
  }
  for (int c = cells + 1; c <= previous_cells; ++c) {
    w.put(cell_entry(c, false), value::invalid());
    w.put(cell_entry(c, true), value::invalid());
  }
  return cells;
}

void clear_member_page(int n, int previous_cells, value_writer& out,
                       std::string& scratch) {
  slot_prefix(n, scratch);
  page_writer w{out, scratch, scratch.size(), nullptr};
  for (size_t k = 0; k < n_fixed; ++k)
    w.put(k, value::invalid());
  for (int c = 1; c <= previous_cells; ++c) {
    w.put(cell_entry(c, false), value::invalid());
    w.put(cell_entry(c, true), value::invalid());
  }
}

} // namespace ba
