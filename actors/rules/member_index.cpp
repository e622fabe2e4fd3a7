#include "actors/rules/member_index.hpp"

#include <cmath>
#include <limits>
#include <unordered_map>

#include "messages/path_table.hpp"

namespace ba {

namespace {

constexpr double none = std::numeric_limits<double>::quiet_NaN();

} // namespace

int path_row(std::string_view path) {
  // Keys view the table's own strings, which live as long as the program.
  static const auto rows = [] {
    std::unordered_map<std::string_view, int> m;
    auto& table = path_table();
    for (size_t i = 0; i < table.size(); ++i)
      m.emplace(table[i].path, static_cast<int>(i));
    return m;
  }();
  auto i = rows.find(path);
  return i == rows.end() ? -1 : i->second;
}

void member_index::rebuild(const value_map& values) {
  auto n = path_table().size();
  num_.assign(n, none);
  has_.assign(n, 0);
  for (auto& [path, v] : values)
    set(path, v);
  built_ = true;
}

void member_index::update(const value_map& changed) {
  if (!built_)
    return;
  for (auto& [path, v] : changed)
    set(path, v);
}

void member_index::set(std::string_view path, const value& v) {
  auto row = path_row(path);
  if (row < 0)
    return;
  auto r = static_cast<size_t>(row);
  has_[r] = 1;
  auto x = v.num();
  num_[r] = x ? *x : none;
}

caf::optional<double> number_in_map(const member_ref& m, const path_key& key) {
  if (m.values == nullptr)
    return caf::none;
  auto i = m.values->find(key.path);
  if (i == m.values->end())
    return caf::none;
  return i->second.num();
}

bool has_path(const member_ref& m, const path_key& key) {
  if (m.values == nullptr)
    return false;
  if (m.index != nullptr && key.row >= 0)
    return m.index->has(key.row);
  return m.values->count(key.path) != 0;
}

} // namespace ba
