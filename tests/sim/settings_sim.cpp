// venus-sim-settings: a stand-in for Venus OS localsettings
// (com.victronenergy.settings) for tests. Implements localsettings' D-Bus
// contract as described in tests/sim/README.md (usage there too).

#include "sim_common.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

using namespace venus_sim;

namespace {

constexpr const char* service_name = "com.victronenergy.settings";
constexpr const char* settings_interface = "com.victronenergy.Settings";

// AddSettingError of localsettings.
enum add_error : int32_t {
  no_error = 0,
  underscore_prefix = -2,
  unknown_type = -3,
  invalid_path = -4,
  type_differs = -5,
  invalid_default = -6,
  default_out_of_range = -7,
  is_group = -8,
  not_in_settings = -9,
};

constexpr int32_t dbus_ok = 0;
constexpr int32_t dbus_err = -1;

// -- command line
// ---------------------------------------------------------------

struct options {
  std::string address;
  std::string state_file;
  std::vector<std::pair<std::string, sim_value>> presets;
};

void usage(std::ostream& out) {
  out << R"(usage: venus-sim-settings [options]
  --state FILE.json          load settings at start, save on every change
  --preset /Settings/X=T:V   add a setting at start (repeatable): T is i or x
                             (or n q y u t) for an integer setting, d for a
                             float, s for a string. Like AddSetting, an
                             existing setting (from --state) keeps its value.
  --address ADDR             bus address (default: $DBUS_SESSION_BUS_ADDRESS,
                             else the system bus)
Exit codes: 0 clean exit, 1 error, 2 bad usage, 3 name taken.
)";
}

[[noreturn]] void bad_usage(const std::string& msg) {
  std::cerr << "venus-sim-settings: " << msg << "\n";
  usage(std::cerr);
  std::exit(2);
}

options parse_args(int argc, char** argv) {
  options o;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> inline_value;
    if (auto eq = flag.find('=');
        flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    auto value = [&]() -> std::string {
      if (inline_value)
        return *inline_value;
      if (i + 1 >= args.size())
        bad_usage(flag + " needs a value");
      return args[++i];
    };
    if (flag == "--help" || flag == "-h") {
      usage(std::cout);
      std::exit(0);
    } else if (flag == "--address") {
      o.address = value();
    } else if (flag == "--state") {
      o.state_file = value();
    } else if (flag == "--preset") {
      std::string path;
      sim_value v;
      std::string err;
      if (!parse_path_assignment(value(), path, v, &err))
        bad_usage("--preset: " + err);
      o.presets.emplace_back(path, v);
    } else {
      bad_usage("unknown argument '" + args[i] + "'");
    }
  }
  return o;
}

// -- conversions as localsettings does them (Python int/float/str)
// -------------

/// Python int(str): optional whitespace and sign, decimal digits only.
std::optional<int64_t> python_int(const std::string& text) {
  auto b = text.find_first_not_of(" \t\r\n");
  auto e = text.find_last_not_of(" \t\r\n");
  if (b == std::string::npos)
    return std::nullopt;
  std::string t = text.substr(b, e - b + 1);
  size_t i = (t[0] == '+' || t[0] == '-') ? 1 : 0;
  if (i == t.size())
    return std::nullopt;
  for (size_t k = i; k < t.size(); ++k)
    if (t[k] < '0' || t[k] > '9')
      return std::nullopt;
  errno = 0;
  long long v = std::strtoll(t.c_str(), nullptr, 10);
  if (errno == ERANGE)
    return std::nullopt;
  return static_cast<int64_t>(v);
}

/// localsettings publishes an 'i' setting as int32, or int64 above int32.
sim_value int_setting_value(int64_t x) {
  if (x >= std::numeric_limits<int32_t>::min()
      && x <= std::numeric_limits<int32_t>::max())
    return sim_value::of_int32(static_cast<int32_t>(x));
  return sim_value::of_int64(x);
}

/// convertToType(kind, value): `kind` is 'i', 'f' or 's'. nullopt when
/// Python would raise (invalid values included: no setting holds one).
std::optional<sim_value> convert(char kind, const sim_value& in) {
  if (!in.valid())
    return std::nullopt;
  const auto& d = in.data();
  switch (kind) {
    case 'i': {
      if (auto p = std::get_if<int64_t>(&d))
        return int_setting_value(*p);
      if (auto p = std::get_if<uint64_t>(&d)) {
        if (*p > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
          return std::nullopt;
        return int_setting_value(static_cast<int64_t>(*p));
      }
      if (auto p = std::get_if<double>(&d)) {
        // int(4.7) == 4: truncation toward zero.
        double t = std::trunc(*p);
        if (!std::isfinite(t) || t < -9.2233720368547758e18
            || t >= 9.2233720368547758e18)
          return std::nullopt;
        return int_setting_value(static_cast<int64_t>(t));
      }
      if (auto p = std::get_if<bool>(&d))
        return int_setting_value(*p ? 1 : 0);
      if (auto v = python_int(in.as_string()))
        return int_setting_value(*v);
      return std::nullopt;
    }
    case 'f': {
      if (in.is_number())
        return sim_value::of_double(in.as_double());
      return parse_value_spec("d:" + in.as_string());
    }
    case 's':
      if (in.is_string())
        return in;
      return sim_value::of_string(to_text(in));
    default:
      return std::nullopt;
  }
}

/// Python truthiness of a received value (for "silent").
bool truthy(const sim_value& v) {
  if (v.is_string())
    return !v.as_string().empty();
  if (v.is_number())
    return v.as_double() != 0.0;
  return false;
}

bool less(const sim_value& a, const sim_value& b) {
  return *a.as_number() < *b.as_number();
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

/// `/Settings/Devices/<UniqueId>/ClassAndVrmInstance`, exactly this depth.
bool is_class_and_vrm_instance(const std::string& path) {
  static const std::string prefix = "/Settings/Devices/";
  static const std::string suffix = "/ClassAndVrmInstance";
  if (!starts_with(path, prefix) || path.size() <= prefix.size() + suffix.size()
      || path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0)
    return false;
  auto id
      = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
  return id.find('/') == std::string::npos;
}

/// Joins a group path and a path relative to it; a leading `/` on the
/// relative path is optional, as in localsettings.
std::string join(const std::string& group, const std::string& rel) {
  std::string base = group == "/" ? "" : group;
  if (!rel.empty() && rel[0] == '/')
    return base + rel;
  return base + "/" + rel;
}

// -- the simulator
// --------------------------------------------------------------

struct setting_attrs {
  char kind = 's'; // 'i', 'f' or 's'
  sim_value def;
  std::optional<sim_value> min;
  std::optional<sim_value> max;
  bool silent = false;

  friend bool operator==(const setting_attrs& a, const setting_attrs& b) {
    return a.kind == b.kind && a.def == b.def && a.min == b.min
           && a.max == b.max && a.silent == b.silent;
  }
};

class settings_sim {
 public:
  settings_sim(sdbus::IConnection& conn, event_loop& loop, const options& o)
      : state_file_(o.state_file), tree_(conn, make_hooks()) {
    tree_.set_mode(signal_mode::none); // we emit localsettings' signals
    tree_.pin_node("/Settings");
    tree_.pin_node("/Settings/Devices");
    loop.after_dispatch([this] { tree_.collect_garbage(); });
    load_state();
    for (const auto& [path, v] : o.presets)
      add_preset(path, v);
    started_ = true;
    persist();
  }

 private:
  // -- hooks -----------------------------------------------------------------

  bus_item_tree::hooks make_hooks() {
    bus_item_tree::hooks h;
    h.set_value = [this](const std::string& path, const sdbus::Variant& v) {
      auto in = from_variant(v);
      return in ? set_value(path, *in) : dbus_err;
    };
    h.item_extra = [this](const std::string& path, item_dict& d) {
      auto it = settings_.find(path);
      if (it == settings_.end())
        return;
      d.emplace("Default", to_variant(it->second.def));
      if (it->second.min)
        d.emplace("Min", to_variant(*it->second.min));
      if (it->second.max)
        d.emplace("Max", to_variant(*it->second.max));
    };
    h.extend_leaf = [this](sdbus::IObject& obj, const std::string& path) {
      register_setting(obj, path);
    };
    h.extend_node = [this](sdbus::IObject& obj, const std::string& path) {
      register_group(obj, path);
    };
    return h;
  }

  void register_setting(sdbus::IObject& obj, const std::string& path) {
    obj.registerMethod("GetMin")
        .onInterface(busitem_interface)
        .implementedAs(guarded([this, path]() -> sdbus::Variant {
          const auto& a = settings_.at(path);
          return a.min ? to_variant(*a.min) : sdbus::Variant(int32_t{0});
        }));
    obj.registerMethod("GetMax")
        .onInterface(busitem_interface)
        .implementedAs(guarded([this, path]() -> sdbus::Variant {
          const auto& a = settings_.at(path);
          return a.max ? to_variant(*a.max) : sdbus::Variant(int32_t{0});
        }));
    obj.registerMethod("GetDefault")
        .onInterface(busitem_interface)
        .implementedAs(guarded([this, path]() -> sdbus::Variant {
          return to_variant(settings_.at(path).def);
        }));
    obj.registerMethod("SetDefault")
        .onInterface(busitem_interface)
        .implementedAs(
            guarded([this, path]() -> int32_t { return set_default(path); }));
    obj.registerMethod("GetAttributes")
        .onInterface(settings_interface)
        .implementedAs(
            guarded([this, path]() -> std::tuple<sdbus::Variant, sdbus::Variant,
                                                 sdbus::Variant, int32_t> {
              const auto& a = settings_.at(path);
              return {to_variant(a.def),
                      a.min ? to_variant(*a.min) : sdbus::Variant(int32_t{0}),
                      a.max ? to_variant(*a.max) : sdbus::Variant(int32_t{0}),
                      a.silent ? 1 : 0};
            }));
    obj.registerMethod("GetSilent")
        .onInterface(settings_interface)
        .implementedAs(guarded(
            [this, path]() -> bool { return settings_.at(path).silent; }));
  }

  void register_group(sdbus::IObject& obj, const std::string& group) {
    obj.registerMethod("SetDefault")
        .onInterface(busitem_interface)
        .implementedAs(guarded([this, group]() -> int32_t {
          for (const auto& p : tree_.leaves_below(group))
            set_default(p); // per-setting failures are ignored, as upstream
          return dbus_ok;
        }));
    obj.registerMethod("AddSetting")
        .onInterface(settings_interface)
        .withInputParamNames("group", "name", "defaultValue", "itemType",
                             "minimum", "maximum")
        .withOutputParamNames("result")
        .implementedAs(guarded(
            [this, group](const std::string& g, const std::string& name,
                          const sdbus::Variant& def, const std::string& type,
                          const sdbus::Variant& min,
                          const sdbus::Variant& max) -> int32_t {
              return add_setting_call(group, g, name, def, type, min, max,
                                      false);
            }));
    obj.registerMethod("AddSilentSetting")
        .onInterface(settings_interface)
        .withInputParamNames("group", "name", "defaultValue", "itemType",
                             "minimum", "maximum")
        .withOutputParamNames("result")
        .implementedAs(guarded(
            [this, group](const std::string& g, const std::string& name,
                          const sdbus::Variant& def, const std::string& type,
                          const sdbus::Variant& min,
                          const sdbus::Variant& max) -> int32_t {
              return add_setting_call(group, g, name, def, type, min, max,
                                      true);
            }));
    obj.registerMethod("AddSettings")
        .onInterface(settings_interface)
        .withInputParamNames("settings")
        .withOutputParamNames("results")
        .implementedAs(guarded([this, group](const std::vector<item_dict>& defs)
                                   -> std::vector<item_dict> {
          return add_settings(group, defs);
        }));
    obj.registerMethod("RemoveSettings")
        .onInterface(settings_interface)
        .withInputParamNames("paths")
        .withOutputParamNames("results")
        .implementedAs(guarded(
            [this, group](
                const std::vector<std::string>& paths) -> std::vector<int32_t> {
              return remove_settings(group, paths);
            }));
  }

  // -- settings methods ------------------------------------------------------

  /// SetValue on a setting: convert to the setting's type, check the range,
  /// -1 or 0. The same value again is 0 and no signal.
  int32_t set_value(const std::string& path, const sim_value& in) {
    const auto& a = settings_.at(path);
    auto v = convert(a.kind, in);
    if (!v)
      return dbus_err;
    if (a.kind != 's') {
      if (a.min && less(*v, *a.min))
        return dbus_err;
      if (a.max && less(*a.max, *v))
        return dbus_err;
    }
    if (*v == *tree_.find(path))
      return dbus_ok;
    return store(path, *v, false) ? dbus_ok : dbus_err;
  }

  int32_t set_default(const std::string& path) {
    // The real service fails here with a D-Bus error (an upstream bug); the
    // spec allows -1 instead.
    if (is_class_and_vrm_instance(path))
      return dbus_err;
    set_value(path, settings_.at(path).def); // result ignored, as upstream
    return dbus_ok;
  }

  /// localsettings' _setValue: stores (allocating a free VRM instance for a
  /// ClassAndVrmInstance), signals and persists. False when a
  /// ClassAndVrmInstance value cannot be parsed.
  bool store(const std::string& path, sim_value v, bool send_attributes) {
    if (is_class_and_vrm_instance(path)) {
      auto free = assure_free_instance(v, path);
      if (!free)
        return false;
      v = *free;
    }
    bool changed = tree_.set(path, v);
    if (started_ && (changed || send_attributes)) {
      item_dict d;
      d.emplace("Value", to_variant(v));
      d.emplace("Text", sdbus::Variant(tree_.text_of(path)));
      if (send_attributes) {
        const auto& a = settings_.at(path);
        d.emplace("Default", to_variant(a.def));
        if (a.kind != 's') {
          d.emplace("Min",
                    a.min ? to_variant(*a.min) : sdbus::Variant(int32_t{0}));
          d.emplace("Max",
                    a.max ? to_variant(*a.max) : sdbus::Variant(int32_t{0}));
        }
      }
      tree_.emit_properties_changed(path, d);
    }
    persist();
    return true;
  }

  /// Section 5.4: `class:instance` becomes the first free instance >= the
  /// requested one among the other ClassAndVrmInstance settings of the same
  /// class. nullopt when the value is not `class:int`.
  std::optional<sim_value> assure_free_instance(const sim_value& v,
                                                const std::string& self) const {
    if (!v.is_string())
      return std::nullopt;
    const auto& s = v.as_string();
    auto colon = s.find(':');
    if (colon == std::string::npos
        || s.find(':', colon + 1) != std::string::npos)
      return std::nullopt;
    std::string cls = s.substr(0, colon);
    auto instance = python_int(s.substr(colon + 1));
    if (!instance)
      return std::nullopt;
    std::set<std::string> taken;
    for (const auto& [path, attrs] : settings_) {
      if (path == self || !is_class_and_vrm_instance(path))
        continue;
      auto other = tree_.find(path);
      if (other && other->is_string()
          && starts_with(other->as_string(), cls + ":"))
        taken.insert(other->as_string());
    }
    std::string candidate = s; // the requested spelling is kept when free
    int64_t n = *instance;
    while (taken.count(candidate))
      candidate = cls + ":" + std::to_string(++n);
    return sim_value::of_string(candidate);
  }

  int32_t add_setting_call(const std::string& group, const std::string& g,
                           const std::string& name, const sdbus::Variant& def,
                           const std::string& type, const sdbus::Variant& min,
                           const sdbus::Variant& max, bool silent) {
    // localsettings' joining rules: a leading '/' on either part is optional.
    std::string group_path = (g.empty() || g[0] == '/') ? g : "/" + g;
    std::string rel = (!name.empty() && name[0] == '/')
                          ? group_path + name
                          : group_path + "/" + name;
    return add_setting(group, rel, from_variant(def), type, from_variant(min),
                       from_variant(max), silent, nullptr);
  }

  std::vector<item_dict> add_settings(const std::string& group,
                                      const std::vector<item_dict>& defs) {
    std::vector<item_dict> out;
    for (const auto& props : defs) {
      item_dict result;
      auto path_it = props.find("path");
      if (path_it == props.end() || path_it->second.peekValueType() != "s") {
        if (path_it != props.end())
          result.emplace("path", path_it->second);
        result.emplace("error", sdbus::Variant(int32_t{invalid_path}));
        out.push_back(std::move(result));
        continue;
      }
      auto path = path_it->second.get<std::string>();
      result.emplace("path", sdbus::Variant(path));
      // The wire type of "default" picks the setting type; b, u and the
      // other integer widths are refused like localsettings does.
      std::string type;
      std::optional<sim_value> def;
      if (auto d = props.find("default"); d != props.end()) {
        auto sig = d->second.peekValueType();
        if (sig == "i" || sig == "x")
          type = "i";
        else if (sig == "d")
          type = "f";
        else if (sig == "s")
          type = "s";
        def = from_variant(d->second);
      }
      if (type.empty()) {
        result.emplace("error", sdbus::Variant(int32_t{unknown_type}));
        out.push_back(std::move(result));
        continue;
      }
      auto opt = [&](const char* key) -> std::optional<sim_value> {
        auto it = props.find(key);
        if (it == props.end())
          return std::nullopt;
        return from_variant(it->second);
      };
      auto silent = opt("silent");
      sim_value value;
      auto rc = add_setting(group, path, def, type, opt("min"), opt("max"),
                            silent && truthy(*silent), &value);
      result.emplace("error", sdbus::Variant(rc));
      if (rc == no_error)
        result.emplace("value", to_variant(value));
      out.push_back(std::move(result));
    }
    return out;
  }

  std::vector<int32_t> remove_settings(const std::string& group,
                                       const std::vector<std::string>& paths) {
    std::vector<int32_t> out;
    for (const auto& rel : paths) {
      auto path = join(group, rel);
      if (!settings_.count(path)) {
        out.push_back(dbus_err);
        continue;
      }
      // localsettings invalidates the path before it disappears.
      item_dict d;
      d.emplace("Value", sdbus::Variant(std::vector<int32_t>{}));
      d.emplace("Text", sdbus::Variant(std::string{}));
      tree_.emit_properties_changed(path, d);
      tree_.remove_leaf(path); // also drops groups left empty
      settings_.erase(path);
      out.push_back(dbus_ok);
    }
    persist();
    return out;
  }

  /// localsettings' addSetting with the check order of spec 8.3. `group` is
  /// the called group, `rel` the path relative to it. On success `*value`
  /// is the current value.
  int32_t add_setting(const std::string& group, const std::string& rel,
                      const std::optional<sim_value>& def_in,
                      const std::string& type,
                      const std::optional<sim_value>& min_in,
                      const std::optional<sim_value>& max_in, bool silent,
                      sim_value* value) {
    std::string rel_slash = (!rel.empty() && rel[0] == '/') ? rel : "/" + rel;
    if (rel_slash.find("/_") != std::string::npos)
      return underscore_prefix;
    if (type.size() != 1 || (type != "i" && type != "f" && type != "s"))
      return unknown_type;
    setting_attrs attrs;
    attrs.kind = type[0];
    attrs.silent = silent;
    auto def = def_in ? convert(attrs.kind, *def_in) : std::nullopt;
    if (!def)
      return invalid_default;
    attrs.def = *def;
    if (attrs.kind != 's') {
      auto min = min_in ? convert(attrs.kind, *min_in) : std::nullopt;
      auto max = max_in ? convert(attrs.kind, *max_in) : std::nullopt;
      auto is_zero = [](const std::optional<sim_value>& x) {
        return x && *x->as_number() == 0;
      };
      if (is_zero(min) && is_zero(max)) {
        min.reset(); // 0,0 means "no limits"
        max.reset();
      }
      if ((min && less(*def, *min)) || (max && less(*max, *def)))
        return default_out_of_range;
      attrs.min = min;
      attrs.max = max;
    }
    if (group == "/" && !starts_with(rel_slash, "/Settings/"))
      return not_in_settings;
    auto path = join(group, rel);
    if (!is_valid_leaf_path(path))
      return invalid_path;

    auto existing = settings_.find(path);
    if (existing == settings_.end()) {
      if (tree_.has_node(path))
        return is_group;
      if (!tree_.can_hold_leaf(path))
        return invalid_path; // a parent is a setting
      // Check a ClassAndVrmInstance before exporting anything, so that a
      // refused one leaves no trace (allowed difference 2 of spec 8.3).
      if (is_class_and_vrm_instance(path)
          && !assure_free_instance(attrs.def, path))
        return invalid_default;
      settings_[path] = attrs;
      store(path, attrs.def, true);
    } else {
      if (existing->second.kind != attrs.kind)
        return type_differs;
      if (!(existing->second == attrs)) {
        // New attributes; the value is kept (and re-checked for a
        // ClassAndVrmInstance, like upstream).
        existing->second = attrs;
        store(path, *tree_.find(path), true);
      }
    }
    if (value)
      *value = *tree_.find(path);
    return no_error;
  }

  void add_preset(const std::string& path, const sim_value& v) {
    std::string type;
    switch (v.type()) {
      case 'd':
        type = "f";
        break;
      case 's':
        type = "s";
        break;
      case 'b':
      case 0:
        bad_usage("--preset " + path + ": needs a number or a string");
      default:
        type = "i";
    }
    auto rc = add_setting("/", path, v, type, std::nullopt, std::nullopt, false,
                          nullptr);
    if (rc != no_error)
      bad_usage("--preset " + path + ": AddSetting error "
                + std::to_string(rc));
  }

  // -- persistence -----------------------------------------------------------

  void load_state() {
    if (state_file_.empty())
      return;
    std::ifstream in(state_file_);
    if (!in)
      return; // first start: the file appears with the first save
    nlohmann::json j;
    try {
      in >> j;
    } catch (const std::exception& e) {
      throw std::runtime_error("cannot parse " + state_file_ + ": " + e.what());
    }
    if (!j.is_object() || !j.contains("settings") || !j["settings"].is_object())
      throw std::runtime_error(state_file_ + ": expected {\"settings\": {}}");
    for (auto it = j["settings"].begin(); it != j["settings"].end(); ++it) {
      if (!load_one(it.key(), *it))
        std::cerr << "venus-sim-settings: ignoring bad entry " << it.key()
                  << " in " << state_file_ << "\n";
    }
  }

  bool load_one(const std::string& path, const nlohmann::json& e) {
    if (!starts_with(path, "/Settings/") || !is_valid_leaf_path(path)
        || !tree_.can_hold_leaf(path) || !e.is_object() || !e.contains("type")
        || !e["type"].is_string())
      return false;
    auto type = e["type"].get<std::string>();
    if (type != "i" && type != "f" && type != "s")
      return false;
    setting_attrs a;
    a.kind = type[0];
    auto typed = [&](const char* key) -> std::optional<sim_value> {
      if (!e.contains(key) || e[key].is_null())
        return std::nullopt;
      auto v = from_typed_json(e[key]);
      return v ? convert(a.kind, *v) : std::nullopt;
    };
    auto value = typed("value");
    auto def = typed("default");
    if (!value || !def)
      return false;
    a.def = *def;
    a.min = typed("min");
    a.max = typed("max");
    a.silent = e.value("silent", false);
    // Loaded as stored: like localsettings reading settings.xml, no VRM
    // instance allocation happens here.
    settings_[path] = a;
    tree_.set(path, *value);
    return true;
  }

  void persist() {
    if (state_file_.empty() || !started_)
      return;
    nlohmann::json settings = nlohmann::json::object();
    for (const auto& [path, a] : settings_) {
      nlohmann::json e;
      e["type"] = std::string(1, a.kind);
      e["value"] = to_typed_json(*tree_.find(path));
      e["default"] = to_typed_json(a.def);
      e["min"] = a.min ? to_typed_json(*a.min) : nlohmann::json();
      e["max"] = a.max ? to_typed_json(*a.max) : nlohmann::json();
      e["silent"] = a.silent;
      settings[path] = std::move(e);
    }
    nlohmann::json doc;
    doc["version"] = 1;
    doc["settings"] = std::move(settings);
    // Write and rename, so that a kill never leaves half a file behind.
    auto tmp = state_file_ + ".new";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << doc.dump(2) << "\n";
      if (!out) {
        std::cerr << "venus-sim-settings: cannot write " << tmp << "\n";
        return;
      }
    }
    if (std::rename(tmp.c_str(), state_file_.c_str()) != 0)
      std::cerr << "venus-sim-settings: cannot rename " << tmp << "\n";
  }

  std::string state_file_;
  bool started_ = false;
  std::map<std::string, setting_attrs> settings_;
  bus_item_tree tree_; // last: its objects call back into the members above
};

} // namespace

int main(int argc, char** argv) {
  block_termination_signals();
  auto opts = parse_args(argc, argv);
  try {
    auto conn = open_connection(opts.address);
    event_loop loop(*conn);
    settings_sim sim(*conn, loop, opts);
    if (int rc = request_name(*conn, service_name); rc != 0)
      return rc;
    announce_ready(service_name);
    loop.run();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "venus-sim-settings: " << e.what() << "\n";
    return 1;
  }
}
