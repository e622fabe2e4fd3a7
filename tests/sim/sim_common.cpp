#include "sim_common.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <limits>
#include <stdexcept>

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace venus_sim {

// -- sim_value
// ------------------------------------------------------------------

namespace {

// Range of each integer wire type, as [min, max] in the widest types.
bool signed_range(char type, int64_t& lo, int64_t& hi) {
  switch (type) {
    case 'n':
      lo = std::numeric_limits<int16_t>::min();
      hi = std::numeric_limits<int16_t>::max();
      return true;
    case 'i':
      lo = std::numeric_limits<int32_t>::min();
      hi = std::numeric_limits<int32_t>::max();
      return true;
    case 'x':
      lo = std::numeric_limits<int64_t>::min();
      hi = std::numeric_limits<int64_t>::max();
      return true;
    default:
      return false;
  }
}

bool unsigned_max(char type, uint64_t& hi) {
  switch (type) {
    case 'y':
      hi = std::numeric_limits<uint8_t>::max();
      return true;
    case 'q':
      hi = std::numeric_limits<uint16_t>::max();
      return true;
    case 'u':
      hi = std::numeric_limits<uint32_t>::max();
      return true;
    case 't':
      hi = std::numeric_limits<uint64_t>::max();
      return true;
    default:
      return false;
  }
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos)
    return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

} // namespace

std::optional<sim_value> sim_value::of_integer(char type, int64_t x) {
  int64_t lo = 0;
  int64_t hi = 0;
  if (signed_range(type, lo, hi)) {
    if (x < lo || x > hi)
      return std::nullopt;
    return sim_value{type, x};
  }
  if (x < 0)
    return std::nullopt;
  return of_unsigned(type, static_cast<uint64_t>(x));
}

std::optional<sim_value> sim_value::of_unsigned(char type, uint64_t x) {
  uint64_t hi = 0;
  if (unsigned_max(type, hi)) {
    if (x > hi)
      return std::nullopt;
    return sim_value{type, x};
  }
  if (x > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return std::nullopt;
  return of_integer(type, static_cast<int64_t>(x));
}

bool sim_value::is_integer() const {
  return std::holds_alternative<int64_t>(data_)
         || std::holds_alternative<uint64_t>(data_);
}

bool sim_value::is_number() const {
  return is_integer() || std::holds_alternative<double>(data_)
         || std::holds_alternative<bool>(data_);
}

std::optional<long double> sim_value::as_number() const {
  if (auto p = std::get_if<int64_t>(&data_))
    return static_cast<long double>(*p);
  if (auto p = std::get_if<uint64_t>(&data_))
    return static_cast<long double>(*p);
  if (auto p = std::get_if<double>(&data_))
    return static_cast<long double>(*p);
  if (auto p = std::get_if<bool>(&data_))
    return *p ? 1.0L : 0.0L;
  return std::nullopt;
}

const std::string& sim_value::as_string() const {
  static const std::string empty;
  auto p = std::get_if<std::string>(&data_);
  return p ? *p : empty;
}

double sim_value::as_double() const {
  auto n = as_number();
  return n ? static_cast<double>(*n) : 0.0;
}

// -- parsing
// --------------------------------------------------------------------

namespace {

bool parse_int64(const std::string& text, int64_t& out) {
  auto t = trim(text);
  if (t.empty())
    return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(t.c_str(), &end, 0);
  if (errno != 0 || end == t.c_str() || *end != '\0')
    return false;
  out = static_cast<int64_t>(v);
  return true;
}

bool parse_uint64(const std::string& text, uint64_t& out) {
  auto t = trim(text);
  if (t.empty() || t[0] == '-')
    return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(t.c_str(), &end, 0);
  if (errno != 0 || end == t.c_str() || *end != '\0')
    return false;
  out = static_cast<uint64_t>(v);
  return true;
}

bool parse_double(const std::string& text, double& out) {
  auto t = trim(text);
  if (t.empty())
    return false;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (errno == ERANGE && std::isinf(v))
    return false;
  if (end == t.c_str() || *end != '\0')
    return false;
  out = v;
  return true;
}

void set_error(std::string* error, std::string msg) {
  if (error)
    *error = std::move(msg);
}

} // namespace

std::optional<sim_value> parse_value_spec(const std::string& spec,
                                          std::string* error) {
  if (spec == "null")
    return sim_value::invalid();
  if (spec.size() < 2 || spec[1] != ':') {
    set_error(error, "expected T:V or null, got '" + spec + "'");
    return std::nullopt;
  }
  char type = spec[0];
  std::string text = spec.substr(2);
  switch (type) {
    case 'd': {
      double d = 0;
      if (!parse_double(text, d))
        break;
      return sim_value::of_double(d);
    }
    case 'b': {
      if (text == "1" || text == "true" || text == "True")
        return sim_value::of_bool(true);
      if (text == "0" || text == "false" || text == "False")
        return sim_value::of_bool(false);
      break;
    }
    case 's':
      return sim_value::of_string(text);
    case 'n':
    case 'i':
    case 'x': {
      int64_t v = 0;
      if (!parse_int64(text, v))
        break;
      if (auto r = sim_value::of_integer(type, v))
        return r;
      set_error(error, "value out of range for type " + std::string(1, type)
                           + ": '" + text + "'");
      return std::nullopt;
    }
    case 'y':
    case 'q':
    case 'u':
    case 't': {
      uint64_t v = 0;
      if (!parse_uint64(text, v))
        break;
      if (auto r = sim_value::of_unsigned(type, v))
        return r;
      set_error(error, "value out of range for type " + std::string(1, type)
                           + ": '" + text + "'");
      return std::nullopt;
    }
    default:
      set_error(error, "unknown type '" + std::string(1, type)
                           + "' (use one of d i u x t q n y b s, or null)");
      return std::nullopt;
  }
  set_error(error,
            "cannot parse '" + text + "' as type " + std::string(1, type));
  return std::nullopt;
}

bool parse_path_assignment(const std::string& arg, std::string& path,
                           sim_value& value, std::string* error) {
  auto eq = arg.find('=');
  if (eq == std::string::npos) {
    set_error(error, "expected /Path=T:V, got '" + arg + "'");
    return false;
  }
  path = arg.substr(0, eq);
  if (!is_valid_leaf_path(path)) {
    set_error(error, "invalid path '" + path + "'");
    return false;
  }
  auto v = parse_value_spec(arg.substr(eq + 1), error);
  if (!v)
    return false;
  value = std::move(*v);
  return true;
}

// -- variants
// -------------------------------------------------------------------

sdbus::Variant to_variant(const sim_value& v) {
  const auto& d = v.data();
  switch (v.type()) {
    case 'y':
      return sdbus::Variant(static_cast<uint8_t>(std::get<uint64_t>(d)));
    case 'n':
      return sdbus::Variant(static_cast<int16_t>(std::get<int64_t>(d)));
    case 'q':
      return sdbus::Variant(static_cast<uint16_t>(std::get<uint64_t>(d)));
    case 'i':
      return sdbus::Variant(static_cast<int32_t>(std::get<int64_t>(d)));
    case 'u':
      return sdbus::Variant(static_cast<uint32_t>(std::get<uint64_t>(d)));
    case 'x':
      return sdbus::Variant(std::get<int64_t>(d));
    case 't':
      return sdbus::Variant(std::get<uint64_t>(d));
    case 'd':
      return sdbus::Variant(std::get<double>(d));
    case 'b':
      return sdbus::Variant(std::get<bool>(d));
    case 's':
      return sdbus::Variant(std::get<std::string>(d));
    default:
      // The Venus "no value": a variant holding an empty int32 array.
      return sdbus::Variant(std::vector<int32_t>{});
  }
}

std::optional<sim_value> from_variant(const sdbus::Variant& v) {
  if (v.isEmpty())
    return std::nullopt;
  auto sig = v.peekValueType();
  if (sig.empty())
    return std::nullopt;
  if (sig[0] == 'a')
    return sim_value::invalid();
  if (sig.size() != 1)
    return std::nullopt;
  switch (sig[0]) {
    case 'y':
      return sim_value::of_unsigned('y', v.get<uint8_t>());
    case 'n':
      return sim_value::of_integer('n', v.get<int16_t>());
    case 'q':
      return sim_value::of_unsigned('q', v.get<uint16_t>());
    case 'i':
      return sim_value::of_integer('i', v.get<int32_t>());
    case 'u':
      return sim_value::of_unsigned('u', v.get<uint32_t>());
    case 'x':
      return sim_value::of_integer('x', v.get<int64_t>());
    case 't':
      return sim_value::of_unsigned('t', v.get<uint64_t>());
    case 'd':
      return sim_value::of_double(v.get<double>());
    case 'b':
      return sim_value::of_bool(v.get<bool>());
    case 's':
      return sim_value::of_string(v.get<std::string>());
    default:
      return std::nullopt;
  }
}

// -- text
// -----------------------------------------------------------------------

std::string python_float_repr(double x) {
  if (std::isnan(x))
    return "nan";
  if (std::isinf(x))
    return x < 0 ? "-inf" : "inf";
  // Shortest round-trip digits in scientific form, e.g. "-5.225e+01".
  char buf[64];
  auto res
      = std::to_chars(buf, buf + sizeof(buf), x, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  bool negative = !sci.empty() && sci[0] == '-';
  if (negative)
    sci.erase(0, 1);
  auto epos = sci.find('e');
  std::string mantissa = sci.substr(0, epos);
  int exponent = std::atoi(sci.c_str() + epos + 1);
  std::string digits;
  for (char c : mantissa)
    if (c != '.')
      digits += c;
  std::string out = negative ? "-" : "";
  if (exponent >= -4 && exponent < 16) {
    // Fixed notation, as Python's repr does in this exponent range.
    if (exponent < 0) {
      out += "0.";
      out.append(static_cast<size_t>(-exponent - 1), '0');
      out += digits;
    } else {
      auto int_len = static_cast<size_t>(exponent) + 1;
      if (digits.size() <= int_len) {
        out += digits;
        out.append(int_len - digits.size(), '0');
        out += ".0";
      } else {
        out += digits.substr(0, int_len);
        out += '.';
        out += digits.substr(int_len);
      }
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) {
    out += '.';
    out += digits.substr(1);
  }
  char exp_buf[16];
  std::snprintf(exp_buf, sizeof(exp_buf), "e%c%02d", exponent < 0 ? '-' : '+',
                std::abs(exponent));
  out += exp_buf;
  return out;
}

std::string to_text(const sim_value& v) {
  const auto& d = v.data();
  if (!v.valid())
    return "---";
  if (auto p = std::get_if<int64_t>(&d))
    return std::to_string(*p);
  if (auto p = std::get_if<uint64_t>(&d))
    return std::to_string(*p);
  if (auto p = std::get_if<double>(&d))
    return python_float_repr(*p);
  if (auto p = std::get_if<bool>(&d))
    return *p ? "True" : "False";
  return v.as_string();
}

nlohmann::json to_json(const sim_value& v) {
  const auto& d = v.data();
  if (auto p = std::get_if<int64_t>(&d))
    return *p;
  if (auto p = std::get_if<uint64_t>(&d))
    return *p;
  if (auto p = std::get_if<double>(&d)) {
    if (!std::isfinite(*p))
      return python_float_repr(*p); // JSON has no nan/inf
    return *p;
  }
  if (auto p = std::get_if<bool>(&d))
    return *p;
  if (auto p = std::get_if<std::string>(&d))
    return *p;
  return nullptr;
}

nlohmann::json to_typed_json(const sim_value& v) {
  if (!v.valid())
    return nullptr;
  nlohmann::json j;
  j["type"] = std::string(1, v.type());
  const auto& d = v.data();
  if (auto p = std::get_if<double>(&d); p && !std::isfinite(*p))
    j["value"] = python_float_repr(*p); // read back with strtod
  else
    j["value"] = to_json(v);
  return j;
}

std::optional<sim_value> from_typed_json(const nlohmann::json& j) {
  if (j.is_null())
    return sim_value::invalid();
  if (!j.is_object() || !j.contains("type") || !j.contains("value")
      || !j["type"].is_string())
    return std::nullopt;
  auto type = j["type"].get<std::string>();
  const auto& val = j["value"];
  if (type.size() != 1)
    return std::nullopt;
  char t = type[0];
  switch (t) {
    case 'd':
      if (val.is_number())
        return sim_value::of_double(val.get<double>());
      if (val.is_string())
        return parse_value_spec("d:" + val.get<std::string>());
      return std::nullopt;
    case 'b':
      if (!val.is_boolean())
        return std::nullopt;
      return sim_value::of_bool(val.get<bool>());
    case 's':
      if (!val.is_string())
        return std::nullopt;
      return sim_value::of_string(val.get<std::string>());
    default:
      if (val.is_number_unsigned())
        return sim_value::of_unsigned(t, val.get<uint64_t>());
      if (val.is_number_integer())
        return sim_value::of_integer(t, val.get<int64_t>());
      return std::nullopt;
  }
}

// -- paths
// ----------------------------------------------------------------------

bool is_valid_leaf_path(const std::string& path) {
  if (path.size() < 2 || path[0] != '/' || path.back() == '/')
    return false;
  char prev = '/';
  for (size_t i = 1; i < path.size(); ++i) {
    char c = path[i];
    if (c == '/') {
      if (prev == '/')
        return false; // empty element
    } else if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) {
      return false;
    }
    prev = c;
  }
  return true;
}

std::string parent_path(const std::string& path) {
  auto pos = path.rfind('/');
  if (pos == 0 || pos == std::string::npos)
    return "/";
  return path.substr(0, pos);
}

std::optional<std::string> relative_key(const std::string& node,
                                        const std::string& path) {
  if (node == "/") {
    if (path.size() > 1 && path[0] == '/')
      return path.substr(1);
    return std::nullopt;
  }
  if (path.size() > node.size() + 1 && path.compare(0, node.size(), node) == 0
      && path[node.size()] == '/')
    return path.substr(node.size() + 1);
  return std::nullopt;
}

// -- guarded
// --------------------------------------------------------------------

namespace detail {

void rethrow_as_sdbus_error() {
  try {
    throw;
  } catch (const std::exception& e) {
    throw sdbus::Error(std::string(sim_error_prefix) + "Internal", e.what());
  } catch (...) {
    throw sdbus::Error(std::string(sim_error_prefix) + "Internal",
                       "unknown exception");
  }
}

} // namespace detail

// -- connection, signals, loop
// --------------------------------------------------

std::unique_ptr<sdbus::IConnection>
open_connection(const std::string& address) {
  if (!address.empty())
    return sdbus::createSessionBusConnectionWithAddress(address);
  if (const char* env = std::getenv("DBUS_SESSION_BUS_ADDRESS"); env && *env)
    return sdbus::createSessionBusConnectionWithAddress(env);
  return sdbus::createSystemBusConnection();
}

void block_termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, nullptr);
}

void wait_for_termination_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
}

int request_name(sdbus::IConnection& conn, const std::string& name) {
  try {
    conn.requestName(name);
    return 0;
  } catch (const sdbus::Error& e) {
    // Asking again for a name we own (ClaimName twice) is fine.
    if (e.getName() == "System.Error.EALREADY")
      return 0;
    // sd-bus requests without queueing, so a taken name fails at once with
    // EEXIST, which sdbus-c++ reports as org.freedesktop.DBus.Error.FileExists.
    if (e.getName() == "org.freedesktop.DBus.Error.FileExists"
        || e.getMessage().find("File exists") != std::string::npos) {
      std::cerr << "name " << name << " is already taken\n";
      return 3;
    }
    std::cerr << "cannot request name " << name << ": " << e.what() << '\n';
    return 1;
  }
}

void announce_ready(const std::string& name) {
  std::cout << "READY " << name << std::endl; // endl: flush for the harness
}

event_loop::event_loop(sdbus::IConnection& conn) : conn_(conn) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  signal_fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd_ < 0)
    throw std::runtime_error(std::string("signalfd: ") + std::strerror(errno));
}

event_loop::~event_loop() {
  if (signal_fd_ >= 0)
    close(signal_fd_);
}

void event_loop::every(std::chrono::nanoseconds period,
                       std::function<void()> tick) {
  period_ = period;
  tick_ = std::move(tick);
  next_tick_ = std::chrono::steady_clock::now() + period_;
}

void event_loop::after_dispatch(std::function<void()> f) {
  after_dispatch_ = std::move(f);
}

void event_loop::dispatch_all() {
  // processPendingRequest() handles one message (or pending write/timeout)
  // per call; keep going until sd-bus has nothing left.
  while (!quit_ && conn_.processPendingRequest()) {
    if (after_dispatch_)
      after_dispatch_();
  }
  if (after_dispatch_)
    after_dispatch_();
}

void event_loop::run() {
  using clock = std::chrono::steady_clock;
  while (!quit_) {
    dispatch_all();
    if (quit_)
      break;
    if (tick_) {
      auto now = clock::now();
      if (now >= next_tick_) {
        tick_();
        next_tick_ += period_;
        if (next_tick_ <= now) // we fell behind: don't burst to catch up
          next_tick_ = now + period_;
        continue; // send what the tick emitted before sleeping
      }
    }
    auto pd = conn_.getEventLoopPollData();
    int timeout = pd.getPollTimeout();
    if (tick_) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(next_tick_
                                                               - clock::now());
      int tick_ms = static_cast<int>(std::max<int64_t>(0, left.count()));
      timeout = timeout < 0 ? tick_ms : std::min(timeout, tick_ms);
    }
    pollfd fds[2] = {{pd.fd, pd.events, 0}, {signal_fd_, POLLIN, 0}};
    int r = poll(fds, 2, timeout);
    if (r < 0 && errno != EINTR)
      throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    if (r > 0 && (fds[1].revents & POLLIN)) {
      signalfd_siginfo info;
      while (read(signal_fd_, &info, sizeof(info)) == sizeof(info))
        quit_ = true;
    }
  }
  // Let queued replies and signals (e.g. the reply to Quit) go out; the
  // connection's destructor flushes the rest.
  while (conn_.processPendingRequest()) {
  }
  if (after_dispatch_)
    after_dispatch_();
}

// -- signal modes
// ---------------------------------------------------------------

std::optional<signal_mode> parse_signal_mode(const std::string& s) {
  if (s == "items")
    return signal_mode::items;
  if (s == "properties")
    return signal_mode::properties;
  if (s == "both")
    return signal_mode::both;
  if (s == "none")
    return signal_mode::none;
  return std::nullopt;
}

const char* to_string(signal_mode m) {
  switch (m) {
    case signal_mode::items:
      return "items";
    case signal_mode::properties:
      return "properties";
    case signal_mode::both:
      return "both";
    case signal_mode::none:
      return "none";
  }
  return "?";
}

// -- bus_item_tree
// --------------------------------------------------------------

bus_item_tree::bus_item_tree(sdbus::IConnection& conn, hooks h)
    : conn_(conn), hooks_(std::move(h)) {
  pin_node("/");
}

bus_item_tree::~bus_item_tree() {
  // Leaves before nodes: mirrors creation order, keeps sd-bus happy.
  leaves_.clear();
  nodes_.clear();
  graveyard_.clear();
}

void bus_item_tree::pin_node(const std::string& path) {
  if (path != "/")
    ensure_nodes_for(path + "/x"); // creates `path` and its ancestors
  ensure_node(path);
  nodes_[path].pinned = true;
}

bool bus_item_tree::can_hold_leaf(
    const std::string& path,
    const std::set<std::string>& pending_leaves) const {
  if (!is_valid_leaf_path(path) || has_node(path))
    return false;
  // No ancestor may be a leaf.
  for (auto p = parent_path(path); p != "/"; p = parent_path(p))
    if (has_leaf(p) || pending_leaves.count(p))
      return false;
  // A pending leaf below `path` would turn `path` into a node.
  auto prefix = path + "/";
  auto it = pending_leaves.lower_bound(prefix);
  if (it != pending_leaves.end() && it->compare(0, prefix.size(), prefix) == 0)
    return false;
  return true;
}

bool bus_item_tree::set(const std::string& path, const sim_value& v) {
  auto it = leaves_.find(path);
  if (it != leaves_.end()) {
    if (it->second.value == v)
      return false;
    it->second.value = v;
    return true;
  }
  if (!can_hold_leaf(path))
    throw std::invalid_argument("path cannot hold a value: " + path);
  ensure_nodes_for(path);
  auto& l = leaves_[path];
  l.value = v;
  try {
    export_leaf(path, l);
  } catch (...) {
    leaves_.erase(path);
    prune(parent_path(path));
    throw;
  }
  return true;
}

bool bus_item_tree::remove_leaf(const std::string& path) {
  auto it = leaves_.find(path);
  if (it == leaves_.end())
    return false;
  bury(std::move(it->second.object));
  leaves_.erase(it);
  prune(parent_path(path));
  return true;
}

const sim_value* bus_item_tree::find(const std::string& path) const {
  auto it = leaves_.find(path);
  return it == leaves_.end() ? nullptr : &it->second.value;
}

std::vector<std::string>
bus_item_tree::leaves_below(const std::string& node) const {
  std::vector<std::string> out;
  if (node == "/") {
    for (const auto& kv : leaves_)
      out.push_back(kv.first);
    return out;
  }
  auto prefix = node + "/";
  for (auto it = leaves_.lower_bound(prefix);
       it != leaves_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
       ++it)
    out.push_back(it->first);
  return out;
}

std::string bus_item_tree::text_of(const std::string& path) const {
  auto v = find(path);
  if (!v)
    return "---";
  return hooks_.text ? hooks_.text(path, *v) : to_text(*v);
}

item_dict bus_item_tree::item_of(const std::string& path) const {
  item_dict d;
  if (auto v = find(path)) {
    d.emplace("Value", to_variant(*v));
    d.emplace("Text", sdbus::Variant(text_of(path)));
  }
  if (hooks_.item_extra)
    hooks_.item_extra(path, d);
  return d;
}

void bus_item_tree::emit_changes(const std::vector<std::string>& changed) {
  if (changed.empty())
    return;
  if (mode_ == signal_mode::items || mode_ == signal_mode::both)
    emit_items_changed(changed);
  if (mode_ == signal_mode::properties || mode_ == signal_mode::both) {
    for (const auto& p : changed) {
      if (!has_leaf(p))
        continue;
      item_dict d;
      d.emplace("Value", to_variant(*find(p)));
      d.emplace("Text", sdbus::Variant(text_of(p)));
      emit_properties_changed(p, d);
    }
  }
}

void bus_item_tree::emit_items_changed(
    const std::vector<std::string>& changed) {
  items_dict items;
  for (const auto& p : changed) {
    if (!has_leaf(p))
      continue;
    item_dict d;
    d.emplace("Value", to_variant(*find(p)));
    d.emplace("Text", sdbus::Variant(text_of(p)));
    items.emplace(p, std::move(d));
  }
  if (items.empty())
    return;
  nodes_.at("/")
      .object->emitSignal("ItemsChanged")
      .onInterface(busitem_interface)
      .withArguments(items);
}

void bus_item_tree::emit_raw(const items_dict& items) {
  nodes_.at("/")
      .object->emitSignal("ItemsChanged")
      .onInterface(busitem_interface)
      .withArguments(items);
}

void bus_item_tree::emit_bad_properties_changed(const std::string& path) {
  auto it = leaves_.find(path);
  if (it == leaves_.end() || !it->second.object)
    return;
  it->second.object->emitSignal("PropertiesChanged")
      .onInterface(busitem_interface)
      .withArguments(std::string{"not a dictionary"});
}

void bus_item_tree::emit_properties_changed(const std::string& path,
                                            const item_dict& d) {
  auto it = leaves_.find(path);
  if (it == leaves_.end() || !it->second.object)
    return;
  it->second.object->emitSignal("PropertiesChanged")
      .onInterface(busitem_interface)
      .withArguments(d);
}

void bus_item_tree::collect_garbage() {
  graveyard_.clear();
}

void bus_item_tree::ensure_nodes_for(const std::string& leaf_path) {
  std::vector<std::string> chain;
  for (auto p = parent_path(leaf_path); p != "/"; p = parent_path(p))
    chain.push_back(p);
  ensure_node("/");
  // Create from the top down, so that introspection finds parents first.
  for (auto it = chain.rbegin(); it != chain.rend(); ++it)
    ensure_node(*it);
}

void bus_item_tree::ensure_node(const std::string& path) {
  if (has_node(path))
    return;
  auto& n = nodes_[path];
  try {
    export_node(path, n);
  } catch (...) {
    nodes_.erase(path);
    throw;
  }
}

void bus_item_tree::bury(std::unique_ptr<sdbus::IObject> obj) {
  if (obj)
    graveyard_.push_back(std::move(obj));
}

void bus_item_tree::prune(std::string path) {
  while (path != "/") {
    auto it = nodes_.find(path);
    if (it == nodes_.end() || it->second.pinned || !node_is_empty(path))
      return;
    bury(std::move(it->second.object));
    nodes_.erase(it);
    path = parent_path(path);
  }
}

bool bus_item_tree::node_is_empty(const std::string& path) const {
  auto prefix = path + "/";
  auto l = leaves_.lower_bound(prefix);
  if (l != leaves_.end() && l->first.compare(0, prefix.size(), prefix) == 0)
    return false;
  auto n = nodes_.lower_bound(prefix);
  if (n != nodes_.end() && n->first.compare(0, prefix.size(), prefix) == 0)
    return false;
  return true;
}

void bus_item_tree::export_leaf(const std::string& path, leaf& l) {
  // An object removed earlier in this same dispatch may still sit in the
  // graveyard with this path; sd-bus refuses a second vtable on the path.
  graveyard_.erase(
      std::remove_if(graveyard_.begin(), graveyard_.end(),
                     [&](const auto& o) { return o->getObjectPath() == path; }),
      graveyard_.end());
  auto obj = sdbus::createObject(conn_, path);
  obj->registerMethod("GetValue")
      .onInterface(busitem_interface)
      .implementedAs(guarded([this, path]() -> sdbus::Variant {
        auto v = find(path);
        return to_variant(v ? *v : sim_value::invalid());
      }));
  obj->registerMethod("GetText")
      .onInterface(busitem_interface)
      .implementedAs(
          guarded([this, path]() -> std::string { return text_of(path); }));
  obj->registerMethod("SetValue")
      .onInterface(busitem_interface)
      .implementedAs(
          guarded([this, path](const sdbus::Variant& value) -> int32_t {
            if (hooks_.set_value)
              return hooks_.set_value(path, value);
            auto v = from_variant(value);
            if (!v)
              return 1;
            if (set(path, *v))
              emit_changes({path});
            return 0;
          }));
  obj->registerSignal("PropertiesChanged")
      .onInterface(busitem_interface)
      .withParameters<item_dict>("changes");
  if (hooks_.extend_leaf)
    hooks_.extend_leaf(*obj, path);
  obj->finishRegistration();
  l.object = std::move(obj);
}

void bus_item_tree::export_node(const std::string& path, node& n) {
  graveyard_.erase(
      std::remove_if(graveyard_.begin(), graveyard_.end(),
                     [&](const auto& o) { return o->getObjectPath() == path; }),
      graveyard_.end());
  auto obj = sdbus::createObject(conn_, path);
  obj->registerMethod("GetValue")
      .onInterface(busitem_interface)
      .implementedAs(guarded([this, path]() -> sdbus::Variant {
        item_dict d;
        for (const auto& p : leaves_below(path))
          d.emplace(*relative_key(path, p), to_variant(*find(p)));
        return sdbus::Variant(d);
      }));
  obj->registerMethod("GetText")
      .onInterface(busitem_interface)
      .implementedAs(guarded([this, path]() -> sdbus::Variant {
        text_dict d;
        for (const auto& p : leaves_below(path))
          d.emplace(*relative_key(path, p), text_of(p));
        return sdbus::Variant(d);
      }));
  if (path == "/") {
    if (hooks_.root_get_items) {
      obj->registerMethod("GetItems")
          .onInterface(busitem_interface)
          .implementedAs(guarded([this]() -> items_dict {
            if (hooks_.before_get_items)
              hooks_.before_get_items();
            items_dict items;
            for (const auto& kv : leaves_)
              items.emplace(kv.first, item_of(kv.first));
            return items;
          }));
    }
    obj->registerSignal("ItemsChanged")
        .onInterface(busitem_interface)
        .withParameters<items_dict>("changes");
  }
  if (hooks_.extend_node)
    hooks_.extend_node(*obj, path);
  obj->finishRegistration();
  n.object = std::move(obj);
}

} // namespace venus_sim
