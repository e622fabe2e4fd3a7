// Shared helpers of the Venus OS D-Bus test doubles (venus-sim-battery and
// venus-sim-settings). See tests/sim/README.md for the
// Venus D-Bus contract they follow (BusItem, invalid values, settings).
//
// Everything here runs on one thread: the simulators own their sd-bus
// connection and drive it from their own poll loop (event_loop below), so no
// locking is needed anywhere.

#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>
#include <sdbus-c++/sdbus-c++.h>

namespace venus_sim {

// -- constants ----------------------------------------------------------------

inline constexpr const char* busitem_interface = "com.victronenergy.BusItem";
inline constexpr const char* sim_error_prefix = "org.example.VenusSim.Error.";

using item_dict = std::map<std::string, sdbus::Variant>; // a{sv}
using items_dict = std::map<std::string, item_dict>;     // a{sa{sv}}
using text_dict = std::map<std::string, std::string>;    // a{ss}

// -- stored values ------------------------------------------------------------

/// A value as it travels on the bus: the D-Bus wire type (one of
/// `y n q i u x t d b s`) plus its payload, or "invalid" (no value, sent as
/// an empty `ai`). The wire type is kept because tests use odd types (e.g. a
/// SoC as `u`) on purpose, and a type change alone counts as a change.
class sim_value {
 public:
  using payload = std::variant<std::monostate, int64_t, uint64_t, double, bool,
                               std::string>;

  sim_value() = default; // invalid

  static sim_value invalid() {
    return {};
  }
  static sim_value of_double(double x) {
    return sim_value{'d', x};
  }
  static sim_value of_int32(int32_t x) {
    return sim_value{'i', int64_t{x}};
  }
  static sim_value of_int64(int64_t x) {
    return sim_value{'x', x};
  }
  static sim_value of_bool(bool x) {
    return sim_value{'b', x};
  }
  static sim_value of_string(std::string x) {
    return sim_value{'s', std::move(x)};
  }
  /// Builds a signed integer of wire type `type` (`y n q i u x t`). Returns
  /// nullopt when `x` does not fit into that type.
  static std::optional<sim_value> of_integer(char type, int64_t x);
  static std::optional<sim_value> of_unsigned(char type, uint64_t x);

  bool valid() const {
    return type_ != 0;
  }
  /// The D-Bus type character, or 0 when invalid.
  char type() const {
    return type_;
  }
  bool is_integer() const;
  bool is_number() const; // integer, double or bool
  bool is_string() const {
    return type_ == 's';
  }

  /// Numeric value as long double (exact for every 64-bit integer on x86);
  /// nullopt for strings and invalid.
  std::optional<long double> as_number() const;
  const std::string& as_string() const; // only valid when is_string()
  double as_double() const;             // 0 when not a number

  friend bool operator==(const sim_value& a, const sim_value& b) {
    return a.type_ == b.type_ && a.data_ == b.data_;
  }
  friend bool operator!=(const sim_value& a, const sim_value& b) {
    return !(a == b);
  }

  const payload& data() const {
    return data_;
  }

 private:
  sim_value(char type, payload data) : type_(type), data_(std::move(data)) {}

  char type_ = 0;
  payload data_;
};

/// Parses `T:V` (T one of `y n q i u x t d b s`) or `null`. Numbers accept
/// C syntax (`0x10` for integers); booleans accept 0/1/true/false. Returns
/// nullopt and fills `error` on a bad spec.
std::optional<sim_value> parse_value_spec(const std::string& spec,
                                          std::string* error = nullptr);

/// Splits `/Path=T:V` into path and value. Returns false on a bad spec.
bool parse_path_assignment(const std::string& arg, std::string& path,
                           sim_value& value, std::string* error = nullptr);

/// Wire form: invalid becomes an empty `ai`, the Venus "no value".
sdbus::Variant to_variant(const sim_value& v);

/// Reads a received variant, keeping its wire type. Any array is invalid (all
/// Venus clients treat an empty array as "no value", and no Venus path holds a
/// real list). Returns nullopt for types we cannot store (structs, nested
/// variants, object paths, ...), which callers answer with a non-zero code.
std::optional<sim_value> from_variant(const sdbus::Variant& v);

/// Text form as velib_python's `str(value)`: `"---"` when invalid, Python's
/// float repr for doubles, `True`/`False` for booleans.
std::string to_text(const sim_value& v);

/// Python `repr(float)`: shortest round-trip digits, fixed notation for
/// exponents -4..15 (with a trailing `.0` for integral values), else
/// scientific with a two-digit exponent.
std::string python_float_repr(double x);

/// JSON form: null when invalid, otherwise the plain JSON value.
nlohmann::json to_json(const sim_value& v);

/// JSON of the form {"type": "d", "value": ...} so the wire type survives a
/// round trip (used for persistence).
nlohmann::json to_typed_json(const sim_value& v);
std::optional<sim_value> from_typed_json(const nlohmann::json& j);

// -- paths
// ----------------------------------------------------------------------

/// True for a D-Bus object path other than `/`: `/A/B_1`, no empty or
/// trailing element, only `[A-Za-z0-9_]` in elements.
bool is_valid_leaf_path(const std::string& path);

/// `/Dc/0/Voltage` -> `/Dc/0`; `/Soc` -> `/`.
std::string parent_path(const std::string& path);

/// Key of `path` relative to `node`, without a leading slash:
/// (`/Dc`, `/Dc/0/Voltage`) -> `0/Voltage`; (`/`, `/Soc`) -> `Soc`.
/// Returns nullopt when `path` is not below `node`.
std::optional<std::string> relative_key(const std::string& node,
                                        const std::string& path);

// -- guarded handlers
// -----------------------------------------------------------

namespace detail {

[[noreturn]] void rethrow_as_sdbus_error();

template <class F, class R, class... Args>
auto make_guarded(F f) {
  // The wrapper repeats the exact parameter list of `f`, because sdbus-c++
  // derives the D-Bus signature from the callable's parameter types.
  return [f = std::move(f)](Args... args) -> R {
    try {
      return f(std::forward<Args>(args)...);
    } catch (const sdbus::Error&) {
      throw; // already a D-Bus error reply
    } catch (...) {
      rethrow_as_sdbus_error();
    }
  };
}

template <class F, class R, class C, class... Args>
auto guarded_impl(F f, R (C::*)(Args...) const) {
  return make_guarded<F, R, Args...>(std::move(f));
}

} // namespace detail

/// Wraps a (non-generic, non-mutable) lambda so that any exception leaves it
/// as an `sdbus::Error`. sdbus-c++ 1.2.0 lets other exceptions escape the
/// event loop, which would kill the simulator and leave the caller with
/// NoReply. sdbus-c++ invokes handlers through a const reference, hence no
/// mutable lambdas.
template <class F>
auto guarded(F f) {
  return detail::guarded_impl(std::move(f), &F::operator());
}

// -- connection, signals, loop
// --------------------------------------------------

/// Opens the bus: `address` when not empty, else DBUS_SESSION_BUS_ADDRESS when
/// set (as velib does), else the system bus. createDefaultBusConnection() is
/// avoided on purpose: as root it ignores the session address.
std::unique_ptr<sdbus::IConnection> open_connection(const std::string& address);

/// Blocks SIGTERM and SIGINT so that event_loop can receive them through a
/// signalfd. Call first thing in main(), before any thread could exist.
void block_termination_signals();

/// Waits, without touching the bus, until SIGTERM or SIGINT (--freeze).
void wait_for_termination_signal();

/// Requests `name` (no queueing). Returns 0 when owned, 3 when another
/// connection owns it, 1 on any other error (message on stderr).
int request_name(sdbus::IConnection& conn, const std::string& name);

/// Prints `READY <name>` and flushes, for test harnesses waiting on stdout.
void announce_ready(const std::string& name);

/// Single-threaded loop over the sd-bus connection: poll(2) on the bus fd, a
/// signalfd for SIGTERM/SIGINT and an optional periodic timer. Handlers run
/// on the caller's thread, so they may touch all simulator state freely.
class event_loop {
 public:
  explicit event_loop(sdbus::IConnection& conn);
  ~event_loop();
  event_loop(const event_loop&) = delete;
  event_loop& operator=(const event_loop&) = delete;

  /// Calls `tick` every `period` (the --walk timer).
  void every(std::chrono::nanoseconds period, std::function<void()> tick);
  /// Runs after every dispatched message, outside any sdbus callback; used
  /// to destroy objects that were removed by a handler.
  void after_dispatch(std::function<void()> f);
  /// Runs until quit() or a termination signal.
  void run();
  void quit() {
    quit_ = true;
  }

 private:
  void dispatch_all();

  sdbus::IConnection& conn_;
  int signal_fd_ = -1;
  bool quit_ = false;
  std::chrono::nanoseconds period_{0};
  std::chrono::steady_clock::time_point next_tick_;
  std::function<void()> tick_;
  std::function<void()> after_dispatch_;
};

// -- BusItem tree
// ---------------------------------------------------------------

enum class signal_mode { items, properties, both, none };

std::optional<signal_mode> parse_signal_mode(const std::string& s);
const char* to_string(signal_mode m);

/// An exported `com.victronenergy.BusItem` tree as velib_python builds it:
/// one object per leaf (GetValue/GetText/SetValue + PropertiesChanged), one
/// per intermediate node and `/` (GetValue -> v(a{sv}), GetText -> v(a{ss}),
/// keyed relative without a leading slash), and on `/` GetItems and
/// ItemsChanged. The simulators add their own members through hooks.
class bus_item_tree {
 public:
  struct hooks {
    /// Register extra members on a new leaf / node object (before its
    /// finishRegistration()).
    std::function<void(sdbus::IObject&, const std::string& path)> extend_leaf;
    std::function<void(sdbus::IObject&, const std::string& path)> extend_node;
    /// Leaf SetValue. Without it SetValue stores the value and emits per the
    /// signal mode.
    std::function<int32_t(const std::string& path, const sdbus::Variant&)>
        set_value;
    /// Extra entries of a GetItems item ("Min", "Max", "Default", ...).
    std::function<void(const std::string& path, item_dict&)> item_extra;
    /// Text of a leaf; default to_text().
    std::function<std::string(const std::string& path, const sim_value&)> text;
    /// false: `/` has no GetItems, so callers get UnknownMethod (--legacy).
    bool root_get_items = true;
    /// Runs before GetItems on / builds its answer (--items-delay).
    std::function<void()> before_get_items;
  };

  bus_item_tree(sdbus::IConnection& conn, hooks h);
  ~bus_item_tree();
  bus_item_tree(const bus_item_tree&) = delete;
  bus_item_tree& operator=(const bus_item_tree&) = delete;

  /// Exports `/` (always) and a node that stays even when empty.
  void pin_node(const std::string& path);

  /// Checks whether `path` may become a leaf: valid syntax, not a node, no
  /// ancestor is a leaf. `pending_leaves` are leaves about to be created in
  /// the same batch.
  bool can_hold_leaf(const std::string& path,
                     const std::set<std::string>& pending_leaves = {}) const;

  /// Stores a value, exporting the leaf (and its nodes) when new. Returns
  /// true when the value or its wire type changed (a new leaf counts as
  /// changed). Throws std::invalid_argument when !can_hold_leaf(path).
  bool set(const std::string& path, const sim_value& v);

  /// Unexports a leaf, and the nodes it leaves empty (unless pinned). The
  /// objects die after the current dispatch: see collect_garbage().
  bool remove_leaf(const std::string& path);

  bool has_leaf(const std::string& path) const {
    return leaves_.count(path) != 0;
  }
  bool has_node(const std::string& path) const {
    return nodes_.count(path) != 0;
  }
  const sim_value* find(const std::string& path) const;
  /// All leaf paths below node `node` (all leaves for `/`), sorted.
  std::vector<std::string> leaves_below(const std::string& node) const;

  std::string text_of(const std::string& path) const;
  /// {"Value": v, "Text": v(s)} (+ item_extra).
  item_dict item_of(const std::string& path) const;

  signal_mode mode() const {
    return mode_;
  }
  void set_mode(signal_mode m) {
    mode_ = m;
  }

  /// Emits per the signal mode for `changed` paths: one ItemsChanged with
  /// all of them (items/both) and/or one PropertiesChanged per path
  /// (properties/both). Does nothing for an empty list.
  void emit_changes(const std::vector<std::string>& changed);
  void emit_items_changed(const std::vector<std::string>& changed);
  /// One ItemsChanged on `/` with exactly `items`, whatever the tree holds
  /// (Flood: hostile input for the consumer).
  void emit_raw(const items_dict& items);
  /// A PropertiesChanged on leaf `path` whose body is a string, not a{sv}
  /// (hostile input).
  void emit_bad_properties_changed(const std::string& path);
  void emit_properties_changed(const std::string& path, const item_dict& d);

  /// Destroys objects removed during the last dispatch. Must run outside
  /// sdbus callbacks: an object must not die inside its own method handler.
  void collect_garbage();

 private:
  struct leaf {
    sim_value value;
    std::unique_ptr<sdbus::IObject> object;
  };
  struct node {
    std::unique_ptr<sdbus::IObject> object;
    bool pinned = false;
  };

  void ensure_nodes_for(const std::string& leaf_path);
  void ensure_node(const std::string& path);
  void export_leaf(const std::string& path, leaf& l);
  void export_node(const std::string& path, node& n);
  void bury(std::unique_ptr<sdbus::IObject> obj);
  void prune(std::string path);
  bool node_is_empty(const std::string& path) const;

  sdbus::IConnection& conn_;
  hooks hooks_;
  signal_mode mode_ = signal_mode::items;
  std::map<std::string, leaf> leaves_;
  std::map<std::string, node> nodes_;
  std::vector<std::unique_ptr<sdbus::IObject>> graveyard_;
};

} // namespace venus_sim
