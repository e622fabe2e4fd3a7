#define CAF_SUITE layering
#include <caf/test/unit_test.hpp>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

// The folders are the design (issue 15): a file's folder says whether it may
// hold state, send messages or touch the bus. This suite reads every source
// file's #include lines and fails on one that crosses a line the design
// draws, so the layering holds by construction, not by review. It also
// fails on a D-Bus item path written as a literal outside messages/: every
// path comes from the one vocabulary (messages/paths.hpp).

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

/// The D-Bus item paths (`"/Dc/0/Voltage"`, `"/Alarms/"`) written as string
/// literals in the code of `text`, comments left out, with their line
/// numbers. An item path starts with a slash and a capital letter; file
/// system paths (`"/data/..."`) and D-Bus object paths of the bus itself
/// (`"/"`, `"/org/freedesktop/DBus"`) do not.
std::vector<std::pair<int, std::string>>
path_literals(const std::string& text) {
  std::vector<std::pair<int, std::string>> out;
  int line = 1;
  size_t i = 0;
  auto at = [&](size_t k) { return k < text.size() ? text[k] : '\0'; };
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (c == '/' && at(i + 1) == '/') {
      while (i < text.size() && text[i] != '\n')
        ++i;
    } else if (c == '/' && at(i + 1) == '*') {
      i += 2;
      while (i < text.size() && !(text[i] == '*' && at(i + 1) == '/')) {
        if (text[i] == '\n')
          ++line;
        ++i;
      }
      i += 2;
    } else if (c == '\'' || c == '"') {
      std::string lit;
      ++i;
      while (i < text.size() && text[i] != c && text[i] != '\n') {
        if (text[i] == '\\')
          lit += text[i++];
        lit += text[i++];
      }
      ++i;
      if (c == '"' && lit.size() >= 2 && lit[0] == '/'
          && std::isupper(static_cast<unsigned char>(lit[1])) != 0)
        out.emplace_back(line, lit);
    } else {
      ++i;
    }
  }
  return out;
}

/// Path literals outside messages/ (the vocabulary) and the tests, one line
/// each: "file:line: path literal "/X" (...)".
std::vector<std::string> literal_violations(const std::string& file,
                                            const std::string& text) {
  std::vector<std::string> out;
  if (file.compare(0, 9, "messages/") == 0)
    return out;
  for (auto& [line, lit] : path_literals(text))
    out.push_back(file + ":" + std::to_string(line) + ": path literal \"" + lit
                  + "\" (name it in messages/paths.hpp)");
  return out;
}

} // namespace

CAF_TEST(the path literal check finds paths and nothing else) {
  struct row {
    const char* file;
    const char* text;
    std::vector<std::string> expected;
  };
  std::vector<row> rows{
      {"actors/rules/cvl.cpp",
       "auto v = values.find(\"/Soc\");\n",
       {"actors/rules/cvl.cpp:1: path literal \"/Soc\" (name it in "
        "messages/paths.hpp)"}},
      {"bus/watcher.cpp",
       "x;\ny = \"/Alarms/\" + name;\n",
       {"bus/watcher.cpp:2: path literal \"/Alarms/\" (name it in "
        "messages/paths.hpp)"}},
      {"messages/paths.hpp", "constexpr char soc[] = \"/Soc\";\n", {}},
      {"actors/x.cpp", "// values.find(\"/Soc\") in a comment\n", {}},
      {"actors/x.cpp", "/* \"/Soc\"\n  \"/Soh\" */ int x;\n", {}},
      {"main/cli.hpp", "std::string p = \"/data/setupOptions/x.json\";\n", {}},
      {"bus/exporter.cpp", "f(\"/\"); g(\"/org/freedesktop/DBus\");\n", {}},
      {"actors/x.cpp", "auto s = \"a \\\" /Soc\"; char c = '\"';\n", {}},
      {"actors/x.cpp",
       "/* a\n b */ auto s = \"/Dc/0/Voltage\";\n",
       {"actors/x.cpp:2: path literal \"/Dc/0/Voltage\" (name it in "
        "messages/paths.hpp)"}},
  };
  for (auto& r : rows) {
    CAF_MESSAGE(r.file << ": " << r.text);
    CAF_CHECK_EQUAL(literal_violations(r.file, r.text), r.expected);
  }
}

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

CAF_TEST(no source file crosses a layer or writes a path literal) {
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
      for (auto& v : literal_violations(rel, text.str()))
        found.push_back(v);
    }
  // Every folder was read (a wrong root would pass with nothing to check).
  CAF_CHECK_GREATER(files, 80u);
  for (auto& v : found)
    CAF_MESSAGE(v);
  CAF_CHECK_EQUAL(found.size(), 0u);
}

// The compiler holds each actor to its message set only if the actor builds
// its behaviour through it: every actor file under actors/ must.
CAF_TEST(every actor builds its behaviour from its protocol) {
  fs::path root{BA_SOURCE_DIR};
  size_t actors = 0;
  for (auto& e : fs::directory_iterator(root / "actors")) {
    if (!e.is_regular_file() || e.path().extension() != ".cpp")
      continue;
    std::ifstream in{e.path()};
    std::stringstream text;
    text << in.rdbuf();
    auto body = text.str();
    if (body.find("caf::behavior ") == std::string::npos
        || body.find("_actor(") == std::string::npos)
      continue;
    ++actors;
    CAF_MESSAGE(e.path().filename().string());
    CAF_CHECK(body.find("return checked_behavior<") != std::string::npos);
  }
  // aggregator, discovery, health, publisher, settings, source, supervisor,
  // virtual battery.
  CAF_CHECK_EQUAL(actors, 8u);
}
