#define CAF_SUITE readme
#include <caf/test/unit_test.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "messages/path_table.hpp"

using namespace ba;

namespace {

/// The rows of the README's "Published paths" table: path -> wire type.
std::map<std::string, std::string> readme_paths() {
  std::ifstream in{std::string{BA_SOURCE_DIR} + "/README.md"};
  std::map<std::string, std::string> rows;
  std::string line;
  bool in_section = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0)
      in_section = line == "## Published paths";
    if (!in_section || line.rfind("| `/", 0) != 0)
      continue;
    auto end = line.find('`', 3);
    auto path = line.substr(3, end - 3);
    auto type_start = line.find("| ", end) + 2;
    auto type
        = line.substr(type_start, line.find(' ', type_start) - type_start);
    rows[path] = type;
  }
  return rows;
}

} // namespace

CAF_TEST(the README path table matches the code path table) {
  auto rows = readme_paths();
  CAF_REQUIRE(!rows.empty());
  for (auto& row : path_table()) {
    CAF_MESSAGE(row.path);
    auto i = rows.find(row.path);
    CAF_CHECK(i != rows.end());
    if (i != rows.end())
      CAF_CHECK_EQUAL(i->second, std::string(1, wire_type(row.u)));
  }
  for (auto& [path, type] : rows) {
    CAF_MESSAGE(path);
    CAF_CHECK(find_path(path) != nullptr);
  }
}
