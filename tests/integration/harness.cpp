#include "tests/integration/harness.hpp"

// CAF_MESSAGE for the helpers that report what they saw.
#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

// CMake passes the absolute paths of the programs under test. Standalone
// compiles (and runs that only use the environment variables) get empty
// defaults.
#ifndef BA_DAEMON_PATH
#  define BA_DAEMON_PATH ""
#endif
#ifndef BA_SIM_BATTERY_PATH
#  define BA_SIM_BATTERY_PATH ""
#endif
#ifndef BA_SIM_SETTINGS_PATH
#  define BA_SIM_SETTINGS_PATH ""
#endif

namespace ba::test {

namespace {

// -- small helpers ------------------------------------------------------------

std::string format_double(double x) {
  char buf[64];
  // Shortest of %.15g / %.17g that round-trips, so that a failure message
  // never shows two "equal" numbers.
  std::snprintf(buf, sizeof(buf), "%.15g", x);
  if (std::strtod(buf, nullptr) != x)
    std::snprintf(buf, sizeof(buf), "%.17g", x);
  return buf;
}

std::string read_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// The last `max_lines` lines of `text`, with a note about the rest.
std::string tail_lines(const std::string& text, size_t max_lines) {
  std::vector<size_t> starts{0};
  for (size_t i = 0; i + 1 < text.size(); ++i)
    if (text[i] == '\n')
      starts.push_back(i + 1);
  if (starts.size() <= max_lines)
    return text;
  auto first = starts[starts.size() - max_lines];
  return "[" + std::to_string(starts.size() - max_lines)
         + " earlier lines omitted]\n" + text.substr(first);
}

/// True when a complete line (ended by '\n') of `text` contains `needle`.
bool has_complete_line_with(const std::string& text,
                            const std::string& needle) {
  auto end = text.rfind('\n');
  if (end == std::string::npos)
    return false;
  size_t start = 0;
  while (start <= end) {
    auto nl = text.find('\n', start);
    if (text.substr(start, nl - start).find(needle) != std::string::npos)
      return true;
    start = nl + 1;
  }
  return false;
}

std::string env_or(const char* var, const char* compiled) {
  if (auto value = std::getenv(var); value != nullptr && *value != '\0')
    return value;
  return compiled;
}

/// Resolves a program name through PATH before fork(), because the child may
/// only call async-signal-safe functions.
std::string resolve_program(const std::string& program) {
  if (program.find('/') != std::string::npos)
    return program;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    auto candidate = (dir.empty() ? std::string{"."} : dir) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return program;
}

int decode_status(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return -1;
}

// -- decoding raw messages ----------------------------------------------------
//
// Replies and signals are walked with Message::peekType() instead of being
// deserialized into typed containers, so that the exact wire signature can be
// checked and no sdbus::Variant (whose read cursor is shared between copies)
// is ever created on the receiving side.

struct shape_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Type code and contents of the next element; code 0 at the end of the
/// current container (sdbus-c++ 1.2.0 maps sd-bus' NULL contents to "").
std::pair<char, std::string> peek(sdbus::Message& m) {
  std::string type;
  std::string contents;
  m.peekType(type, contents);
  return {type.empty() ? '\0' : type[0], contents};
}

bool at_end(sdbus::Message& m) {
  return peek(m).first == '\0';
}

/// Full signature of the next element, "" at the end.
std::string next_signature(sdbus::Message& m) {
  auto [code, contents] = peek(m);
  switch (code) {
    case '\0':
      return "";
    case 'a':
      return "a" + contents;
    case 'v':
      return "v";
    case 'r':
      return "(" + contents + ")";
    case 'e':
      return "{" + contents + "}";
    default:
      return std::string(1, code);
  }
}

template <class T>
std::string read_number(sdbus::Message& m) {
  T x{};
  m >> x;
  return std::to_string(x);
}

/// Reads the next element of any type and renders it (used for values that
/// are not Venus values, and to step over unknown content).
std::string render_next(sdbus::Message& m) {
  auto [code, contents] = peek(m);
  std::string out;
  switch (code) {
    case 'a':
      m.enterContainer(contents);
      out = "[";
      for (bool first = true; !at_end(m); first = false)
        out += (first ? "" : ", ") + render_next(m);
      m.exitContainer();
      return out + "]";
    case 'v':
      m.enterVariant(contents);
      out = "<" + contents + " " + render_next(m) + ">";
      m.exitVariant();
      return out;
    case 'r':
      m.enterStruct(contents);
      out = "(";
      for (bool first = true; !at_end(m); first = false)
        out += (first ? "" : ", ") + render_next(m);
      m.exitStruct();
      return out + ")";
    case 'e':
      m.enterDictEntry(contents);
      out = render_next(m);
      out += ": " + render_next(m);
      m.exitDictEntry();
      return out;
    case 'y': {
      uint8_t x = 0;
      m >> x;
      return std::to_string(x);
    }
    case 'b': {
      bool x = false;
      m >> x;
      return x ? "true" : "false";
    }
    case 'n':
      return read_number<int16_t>(m);
    case 'q':
      return read_number<uint16_t>(m);
    case 'i':
      return read_number<int32_t>(m);
    case 'u':
      return read_number<uint32_t>(m);
    case 'x':
      return read_number<int64_t>(m);
    case 't':
      return read_number<uint64_t>(m);
    case 'd': {
      double x = 0;
      m >> x;
      return format_double(x);
    }
    case 's': {
      std::string x;
      m >> x;
      return "\"" + x + "\"";
    }
    case 'o': {
      sdbus::ObjectPath x;
      m >> x;
      return x;
    }
    case 'g': {
      sdbus::Signature x;
      m >> x;
      return x;
    }
    case 'h': {
      sdbus::UnixFd x;
      m >> x;
      return "<fd>";
    }
    default:
      throw shape_error(std::string{"unexpected end of message or type '"}
                        + code + "'");
  }
}

/// Body signature of a whole message; rewinds it afterwards.
std::string body_signature(sdbus::Message& m) {
  std::string sig;
  for (auto next = next_signature(m); !next.empty(); next = next_signature(m)) {
    sig += next;
    render_next(m);
  }
  m.rewind(true);
  return sig;
}

/// Reads the value inside a variant whose contents signature is `sig`.
wire_value read_plain(sdbus::Message& m, const std::string& sig) {
  wire_value w;
  w.signature = sig;
  switch (sig.empty() ? '\0' : sig[0]) {
    case 'a':
      m.enterContainer(sig.substr(1));
      if (at_end(m)) {
        w.payload = invalid_t{};
      } else {
        std::string text = "[";
        for (bool first = true; !at_end(m); first = false)
          text += (first ? "" : ", ") + render_next(m);
        w.payload = text + "]";
      }
      m.exitContainer();
      return w;
    case 'd': {
      double x = 0;
      m >> x;
      w.payload = x;
      return w;
    }
    case 'y': {
      uint8_t x = 0;
      m >> x;
      w.payload = uint64_t{x};
      return w;
    }
    case 'q': {
      uint16_t x = 0;
      m >> x;
      w.payload = uint64_t{x};
      return w;
    }
    case 'u': {
      uint32_t x = 0;
      m >> x;
      w.payload = uint64_t{x};
      return w;
    }
    case 't': {
      uint64_t x = 0;
      m >> x;
      w.payload = x;
      return w;
    }
    case 'n': {
      int16_t x = 0;
      m >> x;
      w.payload = int64_t{x};
      return w;
    }
    case 'i': {
      int32_t x = 0;
      m >> x;
      w.payload = int64_t{x};
      return w;
    }
    case 'x': {
      int64_t x = 0;
      m >> x;
      w.payload = x;
      return w;
    }
    case 'b': {
      bool x = false;
      m >> x;
      w.payload = x;
      return w;
    }
    case 's': {
      std::string x;
      m >> x;
      w.payload = std::move(x);
      return w;
    }
    default:
      w.payload = render_next(m);
      return w;
  }
}

wire_value read_variant(sdbus::Message& m) {
  auto [code, contents] = peek(m);
  if (code != 'v')
    throw shape_error("expected a variant, found '" + next_signature(m) + "'");
  m.enterVariant(contents);
  auto result = read_plain(m, contents);
  m.exitVariant();
  return result;
}

/// a{sv} at the cursor.
std::map<std::string, wire_value> read_sv_dict(sdbus::Message& m) {
  std::map<std::string, wire_value> result;
  m.enterContainer("{sv}");
  while (!at_end(m)) {
    m.enterDictEntry("sv");
    std::string key;
    m >> key;
    result[key] = read_variant(m);
    m.exitDictEntry();
  }
  m.exitContainer();
  return result;
}

std::pair<wire_value, wire_value>
value_and_text(std::map<std::string, wire_value>& entry) {
  return {entry["Value"], entry["Text"]};
}

/// a{sa{sv}} at the cursor.
item_map read_items(sdbus::Message& m) {
  item_map result;
  m.enterContainer("{sa{sv}}");
  while (!at_end(m)) {
    m.enterDictEntry("sa{sv}");
    std::string path;
    m >> path;
    auto entry = read_sv_dict(m);
    result[path] = value_and_text(entry);
    m.exitDictEntry();
  }
  m.exitContainer();
  return result;
}

void require_signature(sdbus::Message& m, const std::string& expected,
                       const std::string& what) {
  auto sig = body_signature(m);
  if (sig != expected)
    throw shape_error(what + ": reply signature '" + sig + "', expected '"
                      + expected + "'");
}

/// Builds the Variant for a SetValue/SetItems argument. Created and
/// serialized on the calling thread only.
sdbus::Variant to_variant(const wire_value& v) {
  auto as_int = [&]() -> int64_t {
    if (auto p = std::get_if<int64_t>(&v.payload))
      return *p;
    if (auto p = std::get_if<uint64_t>(&v.payload))
      return static_cast<int64_t>(*p);
    if (auto p = std::get_if<bool>(&v.payload))
      return *p ? 1 : 0;
    if (auto p = std::get_if<double>(&v.payload))
      return static_cast<int64_t>(*p);
    throw std::invalid_argument("no integer payload in " + to_string(v));
  };
  if (v.is_invalid()) {
    if (v.signature == "ai")
      return sdbus::Variant(std::vector<int32_t>{});
    if (v.signature == "au")
      return sdbus::Variant(std::vector<uint32_t>{});
    if (v.signature == "ad")
      return sdbus::Variant(std::vector<double>{});
    if (v.signature == "as")
      return sdbus::Variant(std::vector<std::string>{});
    if (v.signature == "av")
      return sdbus::Variant(std::vector<sdbus::Variant>{});
    throw std::invalid_argument("cannot send " + to_string(v));
  }
  const auto& sig = v.signature;
  if (sig == "d") {
    auto x = v.number();
    if (!x)
      throw std::invalid_argument("no number in " + to_string(v));
    return sdbus::Variant(*x);
  }
  if (sig == "s")
    return sdbus::Variant(v.text().value_or(""));
  if (sig == "i")
    return sdbus::Variant(static_cast<int32_t>(as_int()));
  if (sig == "u")
    return sdbus::Variant(static_cast<uint32_t>(as_int()));
  if (sig == "x")
    return sdbus::Variant(static_cast<int64_t>(as_int()));
  if (sig == "t")
    return sdbus::Variant(static_cast<uint64_t>(as_int()));
  if (sig == "n")
    return sdbus::Variant(static_cast<int16_t>(as_int()));
  if (sig == "q")
    return sdbus::Variant(static_cast<uint16_t>(as_int()));
  if (sig == "y")
    return sdbus::Variant(static_cast<uint8_t>(as_int()));
  if (sig == "b")
    return sdbus::Variant(as_int() != 0);
  throw std::invalid_argument("cannot send " + to_string(v));
}

std::map<std::string, sdbus::Variant>
to_variant_dict(const std::vector<std::pair<std::string, wire_value>>& items) {
  std::map<std::string, sdbus::Variant> dict;
  for (const auto& [path, value] : items)
    dict.emplace(path, to_variant(value));
  return dict;
}

constexpr auto dbus_name = "org.freedesktop.DBus";
constexpr auto dbus_path = "/org/freedesktop/DBus";

} // namespace

// -- wire_value ---------------------------------------------------------------

wire_value wire_value::dbl(double x) {
  return {"d", x};
}
wire_value wire_value::int32(int32_t x) {
  return {"i", int64_t{x}};
}
wire_value wire_value::uint32(uint32_t x) {
  return {"u", uint64_t{x}};
}
wire_value wire_value::int64(int64_t x) {
  return {"x", x};
}
wire_value wire_value::uint64(uint64_t x) {
  return {"t", x};
}
wire_value wire_value::int16(int16_t x) {
  return {"n", int64_t{x}};
}
wire_value wire_value::uint16(uint16_t x) {
  return {"q", uint64_t{x}};
}
wire_value wire_value::byte(uint8_t x) {
  return {"y", uint64_t{x}};
}
wire_value wire_value::boolean(bool x) {
  return {"b", x};
}
wire_value wire_value::str(std::string x) {
  return {"s", std::move(x)};
}
wire_value wire_value::invalid(std::string sig) {
  return {std::move(sig), invalid_t{}};
}

std::optional<double> wire_value::number() const {
  if (absent())
    return std::nullopt;
  if (auto p = std::get_if<double>(&payload))
    return *p;
  if (auto p = std::get_if<int64_t>(&payload))
    return static_cast<double>(*p);
  if (auto p = std::get_if<uint64_t>(&payload))
    return static_cast<double>(*p);
  if (auto p = std::get_if<bool>(&payload))
    return *p ? 1.0 : 0.0;
  return std::nullopt;
}

std::optional<std::string> wire_value::text() const {
  if (signature == "s")
    if (auto p = std::get_if<std::string>(&payload))
      return *p;
  return std::nullopt;
}

bool operator==(const wire_value& x, const wire_value& y) {
  return x.signature == y.signature && x.payload == y.payload;
}

std::string to_string(const wire_value& x) {
  if (x.absent())
    return "<absent>";
  if (x.is_invalid())
    return x.signature + ":<invalid>";
  auto body = std::visit(
      [&](const auto& p) -> std::string {
        using type = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<type, double>)
          return format_double(p);
        else if constexpr (std::is_same_v<type, bool>)
          return p ? "true" : "false";
        else if constexpr (std::is_same_v<type, std::string>)
          return x.signature == "s" ? "\"" + p + "\"" : p;
        else if constexpr (std::is_same_v<type, invalid_t>)
          return "<invalid>";
        else
          return std::to_string(p);
      },
      x.payload);
  return x.signature + ":" + body;
}

std::ostream& operator<<(std::ostream& out, const wire_value& x) {
  return out << to_string(x);
}

bool close_to_d::operator()(const wire_value& x, double y) const {
  auto p = std::get_if<double>(&x.payload);
  return x.signature == "d" && p != nullptr
         && std::fabs(*p - y) <= 1e-6 * std::max(1.0, std::fabs(y));
}

std::optional<std::vector<std::string>>
parse_json_string_list(const std::string& text) {
  std::vector<std::string> result;
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
      ++i;
  };
  auto expect = [&](char c) {
    skip_ws();
    if (i < text.size() && text[i] == c) {
      ++i;
      return true;
    }
    return false;
  };
  if (!expect('['))
    return std::nullopt;
  if (expect(']')) {
    skip_ws();
    return i == text.size() ? std::optional{result} : std::nullopt;
  }
  do {
    if (!expect('"'))
      return std::nullopt;
    std::string item;
    while (i < text.size() && text[i] != '"') {
      if (text[i] == '\\' && i + 1 < text.size())
        ++i; // service names contain no escapes worth decoding
      item += text[i++];
    }
    if (i >= text.size())
      return std::nullopt;
    ++i; // closing quote
    result.push_back(std::move(item));
  } while (expect(','));
  if (!expect(']'))
    return std::nullopt;
  skip_ws();
  return i == text.size() ? std::optional{result} : std::nullopt;
}

// -- failures and waiting -----------------------------------------------------

void report_failure(const std::string& what) {
  CAF_ERROR(what);
}

bool wait_until(const std::function<bool()>& predicate,
                clock_type::duration timeout, clock_type::duration poll) {
  auto deadline = clock_type::now() + timeout;
  for (;;) {
    if (predicate())
      return true;
    auto now = clock_type::now();
    if (now >= deadline)
      return false;
    std::this_thread::sleep_for(
        std::min<clock_type::duration>(poll, deadline - now));
    if (clock_type::now() >= deadline)
      return predicate();
  }
}

size_t count_occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos;
       pos = text.find(needle, pos + needle.size()))
    ++n;
  return n;
}

double ms_between(time_point from, time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

std::string daemon_path() {
  return env_or("BA_DAEMON_PATH", BA_DAEMON_PATH);
}
std::string sim_battery_path() {
  return env_or("BA_SIM_BATTERY_PATH", BA_SIM_BATTERY_PATH);
}
std::string sim_settings_path() {
  return env_or("BA_SIM_SETTINGS_PATH", BA_SIM_SETTINGS_PATH);
}

// -- tmp_dir ------------------------------------------------------------------

tmp_dir::tmp_dir() {
  // A unix socket path must fit into 108 bytes: fall back to /tmp when
  // $TMPDIR is long.
  std::string base = "/tmp";
  if (auto env = std::getenv("TMPDIR");
      env != nullptr && *env != '\0' && std::strlen(env) < 60)
    base = env;
  std::string pattern = base + "/ba-it-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr)
    throw std::runtime_error("mkdtemp(" + pattern
                             + ") failed: " + std::strerror(errno));
  path_ = buf.data();
}

tmp_dir::~tmp_dir() {
  if (std::getenv("BA_TEST_KEEP_TMP") != nullptr)
    return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string tmp_dir::write_file(const std::string& name,
                                const std::string& content) const {
  auto file = path_ + "/" + name;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out)
    throw std::runtime_error("cannot write " + file);
  return file;
}

// -- child_process ------------------------------------------------------------

child_process::child_process(
    std::string name, std::vector<std::string> argv, const std::string& dir,
    const std::vector<std::pair<std::string, std::string>>& env)
    : name_(std::move(name)), argv_(std::move(argv)),
      out_file_(dir + "/" + name_ + ".out"),
      err_file_(dir + "/" + name_ + ".err") {
  if (argv_.empty())
    throw std::invalid_argument("child_process " + name_ + ": empty argv");
  // Everything the child needs is prepared before fork(): between fork and
  // exec only async-signal-safe calls are allowed (the client's loop thread
  // exists).
  auto program = resolve_program(argv_.front());
  std::vector<char*> c_argv;
  for (auto& arg : argv_)
    c_argv.push_back(arg.data());
  c_argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry = *e;
    auto key = entry.substr(0, entry.find('='));
    auto overridden = std::any_of(env.begin(), env.end(), [&](const auto& kv) {
      return kv.first == key;
    });
    if (!overridden)
      env_strings.push_back(std::move(entry));
  }
  for (const auto& [key, value] : env)
    env_strings.push_back(key + "=" + value);
  std::vector<char*> c_env;
  for (auto& entry : env_strings)
    c_env.push_back(entry.data());
  c_env.push_back(nullptr);
  int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
  int out_fd = ::open(out_file_.c_str(), flags, 0644);
  int err_fd = ::open(err_file_.c_str(), flags, 0644);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out_fd < 0 || err_fd < 0 || null_fd < 0) {
    for (int fd : {out_fd, err_fd, null_fd})
      if (fd >= 0)
        ::close(fd);
    throw std::runtime_error("child_process " + name_
                             + ": cannot open capture files in " + dir);
  }
  auto parent = ::getpid();
  started_at_ = clock_type::now();
  pid_ = ::fork();
  if (pid_ == 0) {
    // Own process group, so that teardown can kill everything it spawned;
    // die with the test binary even when it aborts (CAF's watchdog).
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD})
      ::sigaction(sig, &dfl, nullptr);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    ::execve(program.c_str(), c_argv.data(), c_env.data());
    static const char msg[] = "child_process: execve failed\n";
    auto ignored = ::write(STDERR_FILENO, msg, sizeof(msg) - 1);
    static_cast<void>(ignored);
    ::_exit(127);
  }
  auto fork_errno = errno;
  ::close(out_fd);
  ::close(err_fd);
  ::close(null_fd);
  if (pid_ < 0)
    throw std::runtime_error("fork failed: "
                             + std::string{std::strerror(fork_errno)});
  // Also from the parent, so the group exists before we might signal it.
  ::setpgid(pid_, pid_);
}

child_process::~child_process() {
  kill();
}

std::string child_process::output() const {
  return read_file(out_file_);
}

std::string child_process::log() const {
  return read_file(err_file_);
}

bool child_process::wait_for_in_file(const std::string& file,
                                     const std::string& substring,
                                     clock_type::duration timeout) {
  auto deadline = clock_type::now() + timeout;
  for (;;) {
    bool exited = poll_exit();
    if (has_complete_line_with(read_file(file), substring))
      return true;
    if (exited || clock_type::now() >= deadline)
      return false;
    std::this_thread::sleep_for(5ms);
  }
}

bool child_process::wait_for_line(const std::string& substring,
                                  clock_type::duration timeout) {
  return wait_for_in_file(out_file_, substring, timeout);
}

bool child_process::wait_for_log_line(const std::string& substring,
                                      clock_type::duration timeout) {
  return wait_for_in_file(err_file_, substring, timeout);
}

void child_process::signal(int sig) {
  if (!poll_exit())
    ::kill(pid_, sig);
}

bool child_process::poll_exit() {
  if (exit_code_)
    return true;
  // Look without reaping first: while the leader is a zombie its process
  // group id cannot be reused, so killing leftovers in the group is safe.
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info,
               WEXITED | WNOHANG | WNOWAIT)
          != 0
      || info.si_pid != pid_)
    return false;
  ::kill(-pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  exit_code_ = decode_status(status);
  exited_at_ = clock_type::now();
  return true;
}

void child_process::kill_group() {
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL); // in case setpgid lost a race with exec
}

std::optional<int> child_process::wait_exit(clock_type::duration timeout) {
  auto deadline = clock_type::now() + timeout;
  while (!poll_exit()) {
    if (clock_type::now() >= deadline)
      return std::nullopt;
    std::this_thread::sleep_for(5ms);
  }
  return exit_code_;
}

int child_process::terminate(clock_type::duration timeout) {
  if (poll_exit())
    return *exit_code_;
  ::kill(pid_, SIGTERM);
  if (auto code = wait_exit(timeout))
    return *code;
  kill_group();
  int status = 0;
  ::waitpid(pid_, &status, 0);
  exit_code_ = -1;
  exited_at_ = clock_type::now();
  notes_ += "did not exit within "
            + format_double(
                std::chrono::duration<double, std::milli>(timeout).count())
            + " ms of SIGTERM: killed with SIGKILL\n";
  return -1;
}

void child_process::kill() {
  if (pid_ <= 0 || poll_exit())
    return;
  kill_group();
  int status = 0;
  ::waitpid(pid_, &status, 0);
  exit_code_ = decode_status(status);
  exited_at_ = clock_type::now();
  notes_ += "killed at teardown\n";
}

bool child_process::running() {
  return !poll_exit();
}

std::string child_process::describe() {
  std::ostringstream out;
  out << "==== " << name_ << " (pid " << pid_ << "):";
  for (const auto& arg : argv_)
    out << ' ' << arg;
  out << "\n     status: ";
  if (poll_exit())
    out << "exited, code " << *exit_code_ << " (128+N = signal N)";
  else
    out << "running";
  out << '\n' << notes_;
  auto block = [](std::string text) {
    if (!text.empty() && text.back() != '\n')
      text += '\n';
    return tail_lines(text, 300);
  };
  out << "---- stdout of " << name_ << " ----\n"
      << block(output()) << "---- stderr of " << name_ << " ----\n"
      << block(log()) << "---- end of " << name_ << " ----\n";
  return out.str();
}

// -- private_bus --------------------------------------------------------------

private_bus::private_bus(const std::string& dir, int max_replies)
    : socket_path_(dir + "/bus") {
  std::vector<std::string> argv{"dbus-daemon", "--session", "--nofork",
                                "--print-address=1",
                                "--address=unix:path=" + socket_path_};
  if (max_replies > 0) {
    // The stock session policy (anyone may own and call anything) with
    // the reply quota of a Venus system bus.
    auto conf = dir + "/bus.conf";
    std::ofstream out(conf, std::ios::trunc);
    out << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus "
           "Configuration 1.0//EN\"\n"
           " \"http://www.freedesktop.org/standards/dbus/1.0/"
           "busconfig.dtd\">\n"
           "<busconfig>\n"
           "  <type>session</type>\n"
           "  <listen>unix:path="
        << socket_path_
        << "</listen>\n"
           "  <auth>EXTERNAL</auth>\n"
           "  <policy context=\"default\">\n"
           "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
           "    <allow eavesdrop=\"true\"/>\n"
           "    <allow own=\"*\"/>\n"
           "  </policy>\n"
           "  <limit name=\"max_replies_per_connection\">"
        << max_replies << "</limit>\n</busconfig>\n";
    out.close();
    argv = {"dbus-daemon", "--config-file=" + conf, "--nofork",
            "--print-address=1"};
  }
  daemon_ = std::make_unique<child_process>(
      "dbus-daemon", argv, dir,
      std::vector<std::pair<std::string, std::string>>{});
  if (!daemon_->wait_for_line("unix:", 10s))
    throw std::runtime_error("dbus-daemon did not print its address\n"
                             + daemon_->describe());
  auto out = daemon_->output();
  address_ = out.substr(0, out.find('\n'));
}

private_bus::~private_bus() {
  daemon_->terminate(2s);
  ::unlink(socket_path_.c_str());
}

// -- recorded_signal ----------------------------------------------------------

wire_value recorded_signal::value(const std::string& item_path) const {
  auto i = items.find(item_path);
  return i == items.end() ? wire_value{} : i->second.first;
}

// -- bus_client ---------------------------------------------------------------

bus_client::bus_client(const std::string& address)
    : conn_(sdbus::createSessionBusConnectionWithAddress(address)) {
  // Matches are installed before the loop thread starts: addMatch waits for
  // the broker's reply synchronously.
  auto busitem = [this](sdbus::Message& msg) { on_busitem_signal(msg); };
  matches_.push_back(
      conn_->addMatch("type='signal',interface='com.victronenergy.BusItem',"
                      "member='ItemsChanged'",
                      busitem));
  matches_.push_back(
      conn_->addMatch("type='signal',interface='com.victronenergy.BusItem',"
                      "member='PropertiesChanged'",
                      busitem));
  matches_.push_back(conn_->addMatch(
      "type='signal',sender='org.freedesktop.DBus',"
      "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
      "arg0namespace='com.victronenergy'",
      [this](sdbus::Message& msg) { on_name_owner_changed(msg); }));
  conn_->enterEventLoopAsync();
}

bus_client::~bus_client() {
  conn_->leaveEventLoop();
  matches_.clear();
  probe_proxies_.clear();
  conn_.reset();
}

void bus_client::on_busitem_signal(sdbus::Message& msg) {
  // Runs on the loop thread: decode here, store plain values only.
  recorded_signal rec;
  rec.at = clock_type::now();
  try {
    rec.member = msg.getMemberName();
    rec.sender = msg.getSender();
    rec.path = msg.getPath();
    rec.signature = body_signature(msg);
    if (rec.member == "ItemsChanged" && rec.signature == "a{sa{sv}}") {
      rec.items = read_items(msg);
    } else if (rec.member == "PropertiesChanged" && rec.signature == "a{sv}") {
      auto entry = read_sv_dict(msg);
      rec.items[rec.path] = value_and_text(entry);
    }
  } catch (const std::exception& e) {
    // A malformed signal is kept (signature, no items) for the test to see;
    // an exception must not escape into the sdbus loop.
    rec.signature += " (undecodable: " + std::string{e.what()} + ")";
  }
  std::lock_guard<std::mutex> guard{mtx_};
  rec.seq = next_seq_++;
  signals_.push_back(std::move(rec));
  cv_.notify_all();
}

void bus_client::on_name_owner_changed(sdbus::Message& msg) {
  owner_change rec;
  rec.at = clock_type::now();
  try {
    msg >> rec.name >> rec.old_owner >> rec.new_owner;
  } catch (const std::exception&) {
    return;
  }
  bool probe = false;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    rec.seq = next_seq_++;
    if (!rec.new_owner.empty())
      owners_[rec.name].insert(rec.new_owner);
    if (!rec.new_owner.empty() && rec.name == probe_name_) {
      probe_name_.clear();
      probe = true;
    }
    owner_changes_.push_back(rec);
    cv_.notify_all();
  }
  if (!probe)
    return;
  // GetItems right from the signal handler, asynchronously, as dbusmonitor
  // and dbus-flashmq do: a service that claimed its name before exporting
  // everything fails here.
  try {
    auto proxy = sdbus::createProxy(*conn_, rec.name, "/");
    auto call = proxy->createMethodCall(busitem_interface, "GetItems");
    auto owner = rec.new_owner;
    auto owner_at = rec.at;
    proxy->callMethod(
        call,
        [this, owner, owner_at](sdbus::MethodReply& reply,
                                const sdbus::Error* error) {
          items_probe result;
          result.owner = owner;
          result.owner_at = owner_at;
          result.reply_at = clock_type::now();
          try {
            if (error != nullptr) {
              result.error = error->getName();
            } else {
              result.signature = body_signature(reply);
              if (result.signature == "a{sa{sv}}")
                result.items = read_items(reply);
            }
          } catch (const std::exception& e) {
            result.error = std::string{"undecodable reply: "} + e.what();
          }
          std::lock_guard<std::mutex> guard{mtx_};
          probe_result_ = std::move(result);
          cv_.notify_all();
        },
        std::chrono::duration_cast<std::chrono::microseconds>(call_timeout));
    std::lock_guard<std::mutex> guard{mtx_};
    probe_proxies_.push_back(std::move(proxy));
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> guard{mtx_};
    items_probe result;
    result.owner = rec.new_owner;
    result.error = std::string{"probe call failed: "} + e.what();
    probe_result_ = std::move(result);
    cv_.notify_all();
  }
}

sdbus::MethodReply
bus_client::call(const std::string& service, const std::string& path,
                 const std::string& iface, const std::string& method,
                 const arg_writer& args, clock_type::duration timeout) {
  auto proxy = sdbus::createProxy(*conn_, service, path);
  auto msg = proxy->createMethodCall(iface, method);
  if (args)
    args(msg);
  return proxy->callMethod(
      msg, std::chrono::duration_cast<std::chrono::microseconds>(timeout));
}

item_map bus_client::get_items(const std::string& service) {
  auto reply = call(service, "/", busitem_interface, "GetItems");
  require_signature(reply, "a{sa{sv}}", service + " GetItems");
  return read_items(reply);
}

wire_value bus_client::get_value(const std::string& service,
                                 const std::string& path) {
  auto reply = call(service, path, busitem_interface, "GetValue");
  require_signature(reply, "v", service + " " + path + " GetValue");
  return read_variant(reply);
}

std::string bus_client::get_text(const std::string& service,
                                 const std::string& path) {
  auto reply = call(service, path, busitem_interface, "GetText");
  require_signature(reply, "s", service + " " + path + " GetText");
  std::string text;
  reply >> text;
  return text;
}

std::map<std::string, wire_value>
bus_client::get_root_value(const std::string& service,
                           const std::string& path) {
  auto reply = call(service, path, busitem_interface, "GetValue");
  auto what = service + " " + path + " GetValue";
  require_signature(reply, "v", what);
  auto [code, contents] = peek(reply);
  if (contents != "a{sv}")
    throw shape_error(what + ": variant holds '" + contents
                      + "', expected 'a{sv}'");
  reply.enterVariant(contents);
  auto result = read_sv_dict(reply);
  reply.exitVariant();
  return result;
}

std::map<std::string, std::string>
bus_client::get_root_text(const std::string& service, const std::string& path) {
  auto reply = call(service, path, busitem_interface, "GetText");
  auto what = service + " " + path + " GetText";
  require_signature(reply, "v", what);
  auto [code, contents] = peek(reply);
  if (contents != "a{ss}")
    throw shape_error(what + ": variant holds '" + contents
                      + "', expected 'a{ss}'");
  std::map<std::string, std::string> result;
  reply.enterVariant(contents);
  reply.enterContainer("{ss}");
  while (!at_end(reply)) {
    reply.enterDictEntry("ss");
    std::string key;
    std::string text;
    reply >> key >> text;
    result[key] = text;
    reply.exitDictEntry();
  }
  reply.exitContainer();
  reply.exitVariant();
  return result;
}

int32_t bus_client::set_value(const std::string& service,
                              const std::string& path, const wire_value& v) {
  auto reply = call(service, path, busitem_interface, "SetValue",
                    [&](sdbus::MethodCall& msg) { msg << to_variant(v); });
  require_signature(reply, "i", service + " " + path + " SetValue");
  int32_t result = 0;
  reply >> result;
  return result;
}

std::string bus_client::reply_signature(const std::string& service,
                                        const std::string& path,
                                        const std::string& method,
                                        const std::string& iface) {
  auto reply = call(service, path, iface, method);
  return body_signature(reply);
}

std::string bus_client::reply_variant_signature(const std::string& service,
                                                const std::string& path,
                                                const std::string& method,
                                                const std::string& iface) {
  auto reply = call(service, path, iface, method);
  if (body_signature(reply) != "v")
    return "";
  return peek(reply).second;
}

std::string bus_client::call_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const sdbus::Error& e) {
    return e.getName();
  }
  return "";
}

bool bus_client::name_has_owner(const std::string& name) {
  auto reply = call(dbus_name, dbus_path, dbus_name, "NameHasOwner",
                    [&](sdbus::MethodCall& msg) { msg << name; });
  bool result = false;
  reply >> result;
  return result;
}

std::string bus_client::name_owner(const std::string& name) {
  std::string owner;
  try {
    auto reply = call(dbus_name, dbus_path, dbus_name, "GetNameOwner",
                      [&](sdbus::MethodCall& msg) { msg << name; });
    reply >> owner;
  } catch (const sdbus::Error& e) {
    if (e.getName() == "org.freedesktop.DBus.Error.NameHasNoOwner")
      return "";
    throw;
  }
  std::lock_guard<std::mutex> guard{mtx_};
  owners_[name].insert(owner);
  return owner;
}

bool bus_client::wait_for_owner(const std::string& name,
                                clock_type::duration timeout) {
  return wait_until([&] { return name_has_owner(name); }, timeout);
}

bool bus_client::wait_for_no_owner(const std::string& name,
                                   clock_type::duration timeout) {
  return wait_until([&] { return !name_has_owner(name); }, timeout);
}

uint64_t bus_client::mark() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return next_seq_;
}

std::vector<recorded_signal> bus_client::signals(uint64_t since) const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<recorded_signal> result;
  for (const auto& s : signals_)
    if (s.seq >= since)
      result.push_back(s);
  return result;
}

std::set<std::string> bus_client::owners_of(const std::string& service) {
  name_owner(service); // records the current owner, if any
  std::lock_guard<std::mutex> guard{mtx_};
  return owners_[service];
}

std::vector<recorded_signal> bus_client::from_owner(const std::string& member,
                                                    const std::string& service,
                                                    uint64_t since) {
  auto owners = owners_of(service);
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<recorded_signal> result;
  for (const auto& s : signals_)
    if (s.seq >= since && s.member == member && owners.count(s.sender) != 0)
      result.push_back(s);
  return result;
}

std::vector<recorded_signal>
bus_client::items_changed_from(const std::string& service, uint64_t since) {
  return from_owner("ItemsChanged", service, since);
}

std::vector<recorded_signal>
bus_client::properties_changed_from(const std::string& service,
                                    uint64_t since) {
  return from_owner("PropertiesChanged", service, since);
}

std::vector<owner_change> bus_client::owner_changes(const std::string& name,
                                                    uint64_t since) const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<owner_change> result;
  for (const auto& c : owner_changes_)
    if (c.seq >= since && c.name == name)
      result.push_back(c);
  return result;
}

std::optional<recorded_signal> bus_client::wait_for_items_changed(
    const std::string& service,
    const std::function<bool(const recorded_signal&)>& pred,
    clock_type::duration timeout, uint64_t since) {
  auto deadline = clock_type::now() + timeout;
  owners_of(service);
  std::unique_lock<std::mutex> lock{mtx_};
  for (;;) {
    // owners_ grows under the same lock (NameOwnerChanged), so a new owner's
    // signals are found on the next wake-up.
    const auto& owners = owners_[service];
    for (const auto& s : signals_)
      if (s.seq >= since && s.member == "ItemsChanged"
          && owners.count(s.sender) != 0 && pred(s))
        return s;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout
        && clock_type::now() >= deadline) {
      for (const auto& s : signals_)
        if (s.seq >= since && s.member == "ItemsChanged"
            && owners_[service].count(s.sender) != 0 && pred(s))
          return s;
      return std::nullopt;
    }
  }
}

std::optional<owner_change> bus_client::wait_for_owner_change(
    const std::string& name,
    const std::function<bool(const owner_change&)>& pred,
    clock_type::duration timeout, uint64_t since) {
  auto deadline = clock_type::now() + timeout;
  std::unique_lock<std::mutex> lock{mtx_};
  for (;;) {
    for (const auto& c : owner_changes_)
      if (c.seq >= since && c.name == name && pred(c))
        return c;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout
        && clock_type::now() >= deadline) {
      for (const auto& c : owner_changes_)
        if (c.seq >= since && c.name == name && pred(c))
          return c;
      return std::nullopt;
    }
  }
}

void bus_client::arm_items_probe(const std::string& name) {
  std::lock_guard<std::mutex> guard{mtx_};
  probe_name_ = name;
  probe_result_.reset();
}

std::optional<items_probe>
bus_client::wait_items_probe(clock_type::duration timeout) {
  std::unique_lock<std::mutex> lock{mtx_};
  cv_.wait_for(lock, timeout, [this] { return probe_result_.has_value(); });
  return probe_result_;
}

int32_t bus_client::sim_set_items(
    const std::string& service,
    const std::vector<std::pair<std::string, wire_value>>& items) {
  auto reply
      = call(service, "/", sim_interface, "SetItems",
             [&](sdbus::MethodCall& msg) { msg << to_variant_dict(items); });
  int32_t result = 0;
  reply >> result;
  return result;
}

void bus_client::sim_set_items_no_reply(
    const std::string& service,
    const std::vector<std::pair<std::string, wire_value>>& items) {
  auto proxy = sdbus::createProxy(*conn_, service, "/");
  auto msg = proxy->createMethodCall(sim_interface, "SetItems");
  msg << to_variant_dict(items);
  msg.dontExpectReply();
  proxy->callMethod(msg);
}

int32_t bus_client::sim_remove_paths(const std::string& service,
                                     const std::vector<std::string>& paths) {
  auto reply = call(service, "/", sim_interface, "RemovePaths",
                    [&](sdbus::MethodCall& msg) { msg << paths; });
  int32_t result = 0;
  reply >> result;
  return result;
}

void bus_client::sim_set_signal_mode(const std::string& service,
                                     const std::string& mode) {
  call(service, "/", sim_interface, "SetSignalMode",
       [&](sdbus::MethodCall& msg) { msg << mode; });
}

void bus_client::sim_flood(const std::string& service,
                           const std::string& prefix, uint32_t count,
                           uint32_t bytes, const std::string& type) {
  call(
      service, "/", sim_interface, "Flood",
      [&](sdbus::MethodCall& msg) { msg << prefix << count << bytes << type; },
      60s);
}

void bus_client::sim_emit_bad_properties(const std::string& service,
                                         const std::string& path,
                                         uint32_t count) {
  call(service, "/", sim_interface, "EmitBadProperties",
       [&](sdbus::MethodCall& msg) { msg << path << count; });
}

std::string bus_client::sim_get_writes(const std::string& service) {
  auto reply = call(service, "/", sim_interface, "GetWrites");
  std::string json;
  reply >> json;
  return json;
}

void bus_client::sim_release_name(const std::string& service) {
  call(service, "/", sim_interface, "ReleaseName");
}

void bus_client::sim_quit(const std::string& service) {
  try {
    call(service, "/", sim_interface, "Quit");
  } catch (const sdbus::Error& e) {
    // The simulator may leave the bus before its reply is delivered.
    if (e.getName() != "org.freedesktop.DBus.Error.NoReply")
      throw;
  }
}

// -- scenario -----------------------------------------------------------------

namespace {

size_t current_bad() {
  auto t = caf::test::engine::current_test();
  return t != nullptr ? t->bad() : 0;
}

std::string service_suffix(const std::string& name) {
  auto dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

} // namespace

scenario::scenario(bus_limits limits) : bad_at_start_(current_bad()) {
  bus_ = std::make_unique<private_bus>(dir_.path(), limits.max_replies);
  client_ = std::make_unique<bus_client>(bus_->address());
  settings_state_ = dir_.path() + "/settings-state.json";
  start_settings({});
}

scenario::~scenario() {
  bool print = failed() || std::getenv("BA_TEST_VERBOSE") != nullptr;
  // Stop in reverse start order (the daemon before its sources and the
  // settings), then print, so that the logs are complete.
  for (auto i = children_.rbegin(); i != children_.rend(); ++i)
    (*i)->kill();
  if (print)
    caf::test::logger::instance().error()
        << std::string{"\n======== logs of the "} + (failed() ? "FAILED " : "")
               + "scenario in " + dir_.path() + " ========\n" + dump_logs();
  children_.clear();
  client_.reset();
  bus_.reset();
}

bool scenario::failed() const {
  return failed_ || current_bad() > bad_at_start_;
}

std::string scenario::unique_name(const std::string& base) {
  auto n = ++name_counts_[base];
  return n == 1 ? base : base + "-" + std::to_string(n);
}

child_process& scenario::start(const std::string& name,
                               std::vector<std::string> argv) {
  if (argv.empty() || argv.front().empty()
      || ::access(argv.front().c_str(), X_OK) != 0)
    throw std::runtime_error(
        "cannot start " + name + ": program '"
        + (argv.empty() ? std::string{} : argv.front())
        + "' is not executable (build it, or set BA_DAEMON_PATH / "
          "BA_SIM_BATTERY_PATH / BA_SIM_SETTINGS_PATH)");
  std::vector<std::pair<std::string, std::string>> env{
      {"DBUS_SESSION_BUS_ADDRESS", address()},
      {"DBUS_SYSTEM_BUS_ADDRESS", address()},
  };
  children_.push_back(std::make_unique<child_process>(
      unique_name(name), std::move(argv), dir_.path(), env));
  return *children_.back();
}

child_process& scenario::start_settings(const std::vector<std::string>& extra) {
  std::vector<std::string> argv{sim_settings_path(), "--state",
                                settings_state_};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto& proc = start("settings", std::move(argv));
  if (!proc.wait_for_line("READY " + settings_name, 10s))
    throw std::runtime_error("settings double not READY\n" + proc.describe());
  settings_ = &proc;
  return proc;
}

child_process&
scenario::restart_settings(const std::vector<std::string>& extra) {
  if (settings_ != nullptr)
    settings_->terminate(2s);
  return start_settings(extra);
}

child_process& scenario::start_battery(const std::string& name,
                                       const std::vector<std::string>& extra) {
  std::vector<std::string> argv{sim_battery_path(), "--name", name};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto& proc = start("sim-" + service_suffix(name), std::move(argv));
  if (!proc.wait_for_line("READY " + name, 10s))
    throw std::runtime_error("battery double " + name + " not READY\n"
                             + proc.describe());
  return proc;
}

child_process& scenario::start_daemon(const std::string& config_json,
                                      const std::vector<std::string>& extra) {
  auto config = dir_.write_file(unique_name("config") + ".json", config_json);
  std::vector<std::string> argv{daemon_path(), "--config", config, "--bus",
                                address()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return start("daemon", std::move(argv));
}

child_process& scenario::run_daemon_cli(const std::vector<std::string>& args) {
  std::vector<std::string> argv{daemon_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  return start("daemon-cli", std::move(argv));
}

std::string scenario::dump_logs() {
  std::string out;
  for (const auto& child : children_)
    out += child->describe();
  if (bus_)
    out += bus_->process().describe();
  return out;
}

// -- polling helpers ----------------------------------------------------------

value_pred equals(wire_value expected) {
  return [expected = std::move(expected)](const wire_value& x) {
    return x == expected;
  };
}

value_pred near_d(double expected) {
  return [expected](const wire_value& x) { return close_to_d{}(x, expected); };
}

wire_value poll_value(bus_client& client, const std::string& service,
                      const std::string& path, const value_pred& pred,
                      clock_type::duration timeout) {
  wire_value last;
  wait_until(
      [&] {
        try {
          last = client.get_value(service, path);
        } catch (const std::exception&) {
          // Not there (yet): keep polling.
          last = wire_value{};
        }
        return pred(last);
      },
      timeout, 20ms);
  return last;
}

bool holds_for(const std::function<bool()>& predicate,
               clock_type::duration duration, clock_type::duration poll) {
  auto end = clock_type::now() + duration;
  do {
    if (!predicate())
      return false;
    std::this_thread::sleep_for(poll);
  } while (clock_type::now() < end);
  return predicate();
}

child_process& start_aggregator(scenario& s, const std::string& config_json,
                                const std::vector<std::string>& extra,
                                const std::string& service_name) {
  auto& daemon = s.start_daemon(config_json, extra);
  BA_REQUIRE(s.client().wait_for_owner(service_name, 10s));
  return daemon;
}

std::vector<std::string>
set_args(const std::vector<std::pair<std::string, std::string>>& values) {
  std::vector<std::string> args;
  for (const auto& [path, spec] : values) {
    args.emplace_back("--set");
    args.push_back(path + "=" + spec);
  }
  return args;
}

void check_count(bus_client& c, const std::string& service, int32_t n) {
  CAF_CHECK_EQUAL(poll_value(c, service, "/System/NrOfBatteries",
                             equals(wire_value::int32(n))),
                  wire_value::int32(n));
}

void check_d(bus_client& c, const std::string& service, const std::string& path,
             double expected) {
  auto v = poll_value(c, service, path, near_d(expected));
  if (!close_to_d{}(v, expected))
    CAF_MESSAGE(service << " " << path << " is " << v << ", expected "
                        << expected);
  BA_CHECK_D(v, expected);
}

std::string d_arg(double x) {
  std::ostringstream out;
  out.precision(12);
  out << "d:" << x;
  return out.str();
}

const std::string quick_config_keys
    = R"("startupBatteryWait": 1, "publishInterval": 10, "logLevel": "DEBUG")";

std::string with_quick_keys(const std::string& json) {
  auto close = json.rfind('}');
  auto open = json.find('{');
  bool empty = json.find_first_not_of(" \n", open + 1) == close;
  return json.substr(0, close) + (empty ? "" : ", ") + quick_config_keys + "}";
}

void run_scenario(const std::function<void(scenario&)>& body) {
  run_scenario(bus_limits{}, body);
}

void run_scenario(bus_limits limits,
                  const std::function<void(scenario&)>& body) {
  std::unique_ptr<scenario> s;
  auto fail = [&](const std::string& what) {
    report_failure(what);
    if (s)
      s->mark_failed();
  };
  try {
    s = std::make_unique<scenario>(limits);
    body(*s);
  } catch (const requirement_error&) {
    // Already reported by BA_REQUIRE*.
    if (s)
      s->mark_failed();
  } catch (const sdbus::Error& e) {
    fail("unexpected D-Bus error " + e.getName() + ": " + e.getMessage());
  } catch (const std::exception& e) {
    fail(std::string{"unexpected exception: "} + e.what());
  }
  s.reset(); // prints the logs when failed, kills everything
}

bool wait_for_services(bus_client& c, const std::vector<std::string>& names,
                       clock_type::duration timeout) {
  bool ok = wait_until(
      [&] {
        return std::all_of(names.begin(), names.end(),
                           [&](auto& n) { return c.name_has_owner(n); });
      },
      timeout, 20ms);
  for (auto& n : names)
    if (!c.name_has_owner(n))
      CAF_MESSAGE("service never appeared on the bus: " << n);
  return ok;
}

uint64_t mark_after_claims(bus_client& c,
                           const std::vector<std::string>& names) {
  for (auto& n : names)
    c.wait_for_owner_change(
        n, [](const owner_change& oc) { return !oc.new_owner.empty(); },
        eventually);
  return c.mark();
}

bool no_owner_change(bus_client& c, const std::string& name, uint64_t since) {
  auto changes = c.owner_changes(name, since);
  for (auto& oc : changes)
    CAF_MESSAGE("NameOwnerChanged for " << name << ": '" << oc.old_owner
                                        << "' -> '" << oc.new_owner << "'");
  return changes.empty();
}

} // namespace ba::test
