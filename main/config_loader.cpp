#include "main/config_loader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "main/config_text.hpp"
#include "main/config_validator.hpp"

namespace ba {

namespace {

using namespace config_text;

// -- syntax: a SAX builder that also finds duplicate keys ------------------

/// Builds the document like nlohmann's own DOM parser, and additionally
/// (1) reports keys given twice in one object, which `parse()` silently
/// resolves to the last value, and (2) keeps the byte position of a syntax
/// error, which a number overflow (out_of_range 406) does not carry in its
/// exception. nlohmann's SAX parser is iterative, so deeply nested input
/// cannot exhaust the stack here.
class sax_builder {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  explicit sax_builder(json& root) : root_(root) {}

  bool null() {
    put(json{});
    return true;
  }
  bool boolean(bool x) {
    put(json(x));
    return true;
  }
  bool number_integer(number_integer_t x) {
    put(json(x));
    return true;
  }
  bool number_unsigned(number_unsigned_t x) {
    put(json(x));
    return true;
  }
  bool number_float(number_float_t x, const string_t&) {
    put(json(x));
    return true;
  }
  bool string(string_t& x) {
    put(json(std::move(x)));
    return true;
  }
  bool binary(binary_t& x) {
    put(json::binary(std::move(x)));
    return true;
  }
  bool start_object(std::size_t) {
    frames_.push_back(frame{put(json::object()), true, {}, {}, 0});
    return true;
  }
  bool key(string_t& k) {
    auto& f = frames_.back();
    f.fresh_key = f.keys.insert(k).second;
    if (!f.fresh_key)
      duplicates_.push_back(location_of(k));
    f.key = k;
    return true;
  }
  bool end_object() {
    frames_.pop_back();
    return true;
  }
  bool start_array(std::size_t) {
    frames_.push_back(frame{put(json::array()), false, {}, {}, 0});
    return true;
  }
  bool end_array() {
    frames_.pop_back();
    return true;
  }
  template <class Exception>
  bool parse_error(std::size_t position, const std::string&,
                   const Exception& ex) {
    error_position_ = position;
    std::string what = ex.what();
    // Drop nlohmann's "[json.exception.parse_error.101] parse error at line
    // 1, column 2: " prefix: the loader prints its own location.
    auto start = what.find("] ");
    start = start == std::string::npos ? 0 : start + 2;
    auto pe = what.find("parse error", start);
    if (pe == start) {
      auto colon = what.find(": ", pe);
      start = colon == std::string::npos ? start : colon + 2;
    }
    error_ = what.substr(start);
    return false;
  }

  const std::vector<std::string>& duplicates() const {
    return duplicates_;
  }
  const std::string& error() const {
    return error_;
  }
  size_t error_position() const {
    return error_position_;
  }

 private:
  struct frame {
    json* container;
    bool is_object;
    std::set<std::string> keys;
    std::string key;       ///< object: the key of the value being read
    size_t next_index;     ///< array: index of the next element
    bool fresh_key = true; ///< object: `key` was not seen before
  };

  /// Stores a value at the current position. Pointers to open containers
  /// stay valid: a container only grows while it is the innermost open one.
  json* put(json&& v) {
    if (frames_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    auto& f = frames_.back();
    if (f.is_object) {
      // A new key is appended without a look-up: ordered_json finds keys
      // by a linear search, which made a file of n keys cost n^2 (61 s for
      // 200,000 keys). The key set of the frame already knows whether the
      // key is new; a duplicate (an error anyway) keeps the old path.
      if (f.fresh_key) {
        auto& obj = f.container->get_ref<json::object_t&>();
        obj.emplace_back(f.key, std::move(v));
        return &obj.back().second;
      }
      auto& slot = (*f.container)[f.key];
      slot = std::move(v);
      return &slot;
    }
    ++f.next_index;
    f.container->push_back(std::move(v));
    return &f.container->back();
  }

  std::string location_of(const std::string& last_key) const {
    std::string loc;
    for (size_t i = 0; i + 1 < frames_.size(); ++i) {
      auto& f = frames_[i];
      loc = f.is_object ? at(loc, f.key) : at(loc, f.next_index - 1);
    }
    return at(loc, last_key);
  }

  json& root_;
  std::vector<frame> frames_;
  std::vector<std::string> duplicates_;
  std::string error_;
  size_t error_position_ = 0;
};

/// 1-based line and column of the offending character, from nlohmann's
/// position (characters read, that one included). Unlike nlohmann's own
/// message, a bad newline counts on the line it ends ("column 0" helps no
/// one); past the end, the position just after the last character.
std::string line_column(const std::string& text, size_t position) {
  size_t offending = position == 0 ? 0 : position - 1;
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < offending && i < text.size(); ++i)
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  return "line " + std::to_string(line) + ", column "
         + std::to_string(offending - line_start + 1);
}

} // namespace

config_report parse_config(const std::string& text, const std::string& origin) {
  config_report rep;
  json doc;
  sax_builder sax{doc};
  bool parsed = false;
  try {
    parsed = json::sax_parse(text, &sax);
  } catch (const json::exception& e) {
    // The SAX interface reports through parse_error(); this is belt and
    // braces for anything nlohmann throws past it.
    rep.errors.push_back(origin + ": top level: invalid JSON: " + e.what());
    return rep;
  }
  if (!parsed) {
    rep.errors.push_back(origin + ": " + line_column(text, sax.error_position())
                         + ": invalid JSON: " + sax.error());
    return rep;
  }
  for (auto& loc : sax.duplicates())
    rep.errors.push_back(origin + ": " + loc
                         + ": key given twice; each key may appear only once "
                           "in an object");
  validate_config(doc, origin, rep);
  return rep;
}

std::vector<std::string> config_keys() {
  return validated_keys();
}

namespace {

/// What a path that is not a regular file is, for the message.
const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode))
    return "is a directory";
  if (S_ISFIFO(mode))
    return "is a FIFO, not a regular file";
  if (S_ISSOCK(mode))
    return "is a socket, not a regular file";
  if (S_ISCHR(mode) || S_ISBLK(mode))
    return "is a device, not a regular file";
  return "is not a regular file";
}

} // namespace

config_report load_config(const std::string& path) {
  config_report rep;
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      // No file: the defaults (at start; a reload refuses it).
      rep.missing = true;
      struct stat lst;
      if (lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode))
        rep.warnings.push_back(path + ": is a symlink to a missing file");
      return rep;
    }
    rep.errors.push_back(path + ": cannot be read: " + std::strerror(errno));
    return rep;
  }
  // Refused by type before opening: opening a FIFO blocks until a writer
  // comes, and a device such as /dev/zero never ends.
  if (!S_ISREG(st.st_mode)) {
    rep.errors.push_back(path + ": cannot be read: " + kind_of(st.st_mode));
    return rep;
  }
  if (static_cast<uint64_t>(st.st_size) > max_config_bytes) {
    rep.errors.push_back(path + ": cannot be read: "
                         + std::to_string(st.st_size) + " bytes, more than the "
                         + std::to_string(max_config_bytes)
                         + " a config file may have");
    return rep;
  }
  // O_NONBLOCK: should the path have been swapped for a FIFO since the
  // stat, the open does not wait for a writer (fstat below refuses it).
  int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    rep.errors.push_back(path + ": cannot be read: " + std::strerror(errno));
    return rep;
  }
  std::string text;
  std::string failure;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    failure = "is not a regular file";
  } else {
    // Read at most one byte past the cap: a file that grew meanwhile is
    // refused, never read whole.
    char buf[65536];
    for (;;) {
      auto n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0) {
        failure = std::strerror(errno);
        break;
      }
      if (n == 0)
        break;
      text.append(buf, static_cast<size_t>(n));
      if (text.size() > max_config_bytes) {
        failure = "more than the " + std::to_string(max_config_bytes)
                  + " bytes a config file may have";
        break;
      }
    }
  }
  close(fd);
  if (!failure.empty()) {
    rep.errors.push_back(path + ": cannot be read: " + failure);
    return rep;
  }
  return parse_config(text, path);
}

} // namespace ba
