#define CAF_SUITE layering
#include <caf/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

// The folders are the design (issue 15): a file's folder says whether it may
// hold state, send messages or touch the bus. This suite reads every source
// file's #include lines and fails on one that crosses a line the design
// draws, so the layering holds by construction, not by review.

namespace {

namespace fs = std::filesystem;

/// What a file under `folder` must not include: a prefix of the included
/// name ("actors/" matches "actors/aggregator.hpp", "<sdbus-c++" matches
/// "<sdbus-c++/sdbus-c++.h>"), with the reason.
struct rule {
  const char* folder;
  const char* forbidden;
  const char* why;
  /// An included name that starts with this is allowed after all.
  const char* except = nullptr;
};

const std::vector<rule>& rules() {
  static const std::vector<rule> r{
      {"messages/", "\"actors/", "the vocabulary depends on nothing else"},
      {"messages/", "\"bus/", "the vocabulary depends on nothing else"},
      {"messages/", "\"main/", "the vocabulary depends on nothing else"},
      {"messages/", "\"logging/", "the vocabulary does not log"},
      {"messages/", "<sdbus-c++", "only bus/ talks to D-Bus"},
      {"messages/", "<systemd/", "only bus/ talks to D-Bus"},
      {"messages/", "<nlohmann/", "only main/ parses JSON"},
      {"logging/", "\"actors/", "the log facade is below the actors"},
      {"logging/", "\"bus/", "the log facade is below the bus"},
      {"logging/", "\"main/", "the log facade is below main"},
      {"actors/", "<sdbus-c++", "only bus/ talks to D-Bus"},
      {"actors/", "<systemd/", "only bus/ talks to D-Bus"},
      {"actors/", "\"bus/", "actors reach the bus through messages/bus_port"},
      {"actors/", "\"main/", "main/ wires the actors, not the other way"},
      {"actors/rules/", "\"actors/", "rules call no actor", "\"actors/rules/"},
      {"actors/rules/", "\"logging/log.hpp", "rules return what to log"},
      {"actors/rules/", "<caf/stateful_actor", "rules hold no actor"},
      {"actors/rules/", "<caf/event_based_actor", "rules hold no actor"},
      {"actors/rules/", "<caf/behavior", "rules hold no actor"},
      {"actors/rules/", "<caf/send", "rules send no message"},
      {"actors/rules/", "<caf/all", "rules hold no actor"},
      {"bus/", "\"actors/", "the bus knows the port, not the actors"},
      {"bus/", "\"main/", "main/ wires the bus, not the other way"},
  };
  return r;
}

/// The included names of `text` ("\"x/y.hpp\"" or "<x/y.hpp>"), with
/// their line numbers.
std::vector<std::pair<int, std::string>> includes(const std::string& text) {
  std::vector<std::pair<int, std::string>> out;
  std::istringstream in{text};
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line.compare(start, 1, "#") != 0)
      continue;
    auto word = line.find_first_not_of(" \t", start + 1);
    if (word == std::string::npos || line.compare(word, 7, "include") != 0)
      continue;
    auto name = line.find_first_of("\"<", word + 7);
    if (name != std::string::npos)
      out.emplace_back(n, line.substr(name));
  }
  return out;
}

/// The violations of `file` (a path relative to the project) with `text`,
/// one line each: "file:line: includes NAME (why)".
std::vector<std::string> violations(const std::string& file,
                                    const std::string& text) {
  std::vector<std::string> out;
  for (auto& [line, name] : includes(text))
    for (auto& r : rules()) {
      if (file.compare(0, std::string{r.folder}.size(), r.folder) != 0)
        continue;
      if (name.compare(0, std::string{r.forbidden}.size(), r.forbidden) != 0)
        continue;
      if (r.except != nullptr
          && name.compare(0, std::string{r.except}.size(), r.except) == 0)
        continue;
      out.push_back(file + ":" + std::to_string(line) + ": includes " + name
                    + " (" + r.why + ")");
    }
  return out;
}

} // namespace

CAF_TEST(the rules catch what they are meant to catch) {
  struct row {
    const char* file;
    const char* text;
    size_t expected;
  };
  std::vector<row> rows{
      {"bus/exporter.hpp", "#include \"actors/bus_port.hpp\"\n", 1},
      {"bus/exporter.hpp", "#include \"messages/bus_port.hpp\"\n", 0},
      {"actors/source.cpp", "#include <sdbus-c++/sdbus-c++.h>\n", 1},
      {"actors/source.cpp", "#  include \"main/cli.hpp\"\n", 1},
      {"actors/source.cpp", "#include \"actors/rules/bank.hpp\"\n", 0},
      {"actors/rules/bank.cpp", "#include \"actors/aggregator.hpp\"\n", 1},
      {"actors/rules/bank.cpp", "#include \"actors/rules/cvl.hpp\"\n", 0},
      {"actors/rules/bank.cpp", "#include <caf/stateful_actor.hpp>\n", 1},
      {"actors/rules/bank.cpp", "#include \"logging/log.hpp\"\n", 1},
      {"actors/rules/source_table.hpp", "#include \"logging/log_cap.hpp\"\n",
       0},
      {"messages/value.hpp", "#include \"logging/log.hpp\"\n", 1},
      {"messages/value.hpp", "#include <caf/optional.hpp>\n", 0},
      {"main/main.cpp", "#include \"actors/supervisor.hpp\"\n", 0},
      {"actors/x.cpp", "// #include \"bus/exporter.hpp\" in a comment\n", 0},
  };
  for (auto& r : rows) {
    CAF_MESSAGE(r.file << ": " << r.text);
    CAF_CHECK_EQUAL(violations(r.file, r.text).size(), r.expected);
  }
}

CAF_TEST(no source file crosses a layer) {
  fs::path root{BA_SOURCE_DIR};
  size_t files = 0;
  std::vector<std::string> found;
  for (auto* folder : {"messages", "logging", "actors", "bus", "main"})
    for (auto& e : fs::recursive_directory_iterator(root / folder)) {
      auto ext = e.path().extension();
      if (!e.is_regular_file() || (ext != ".cpp" && ext != ".hpp"))
        continue;
      ++files;
      std::ifstream in{e.path()};
      std::stringstream text;
      text << in.rdbuf();
      auto rel = fs::relative(e.path(), root).generic_string();
      for (auto& v : violations(rel, text.str()))
        found.push_back(v);
    }
  // Every folder was read (a wrong root would pass with nothing to check).
  CAF_CHECK_GREATER(files, 80u);
  for (auto& v : found)
    CAF_MESSAGE(v);
  CAF_CHECK_EQUAL(found.size(), 0u);
}
