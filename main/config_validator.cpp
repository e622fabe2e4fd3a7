#include "main/config_validator.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "main/config_paths.hpp"
#include "main/config_schema.hpp"
#include "main/config_suggest.hpp"
#include "main/config_text.hpp"

namespace ba {

namespace {

using namespace config_text;

// -- names -------------------------------------------------------------------

const std::string battery_prefix = "com.victronenergy.battery.";
const std::string hook_prefix = "class:";

const std::vector<std::string>& hook_names() {
  static const std::vector<std::string> names{"hooks.FixedValueHook",
                                              "hooks.CustomChargingHook",
                                              "hooks.TemperatureChargingHook"};
  return names;
}

/// One element of a bus name (venus-dbus.md 6.1). `ours`: the stricter
/// rule for names this process publishes, whose suffix also becomes a
/// settings path element (`/Settings/Devices/BatteryAggregator_<suffix>`),
/// where `-` is not allowed.
bool is_name_element(const std::string& e, bool ours) {
  if (e.empty() || (e[0] >= '0' && e[0] <= '9'))
    return false;
  return std::all_of(e.begin(), e.end(), [ours](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_' || (!ours && c == '-');
  });
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    auto pos = s.find(sep, start);
    out.push_back(s.substr(start, pos - start));
    if (pos == std::string::npos)
      return out;
    start = pos + 1;
  }
}

/// `com.victronenergy.battery.<suffix>`. A source's suffix may be several
/// elements with `-` (any valid bus name, since we only match it); ours is
/// one element of `[A-Za-z_][A-Za-z0-9_]*`. 255: the D-Bus name limit.
bool is_battery_service(const std::string& s, bool ours) {
  if (s.size() > 255 || s.compare(0, battery_prefix.size(), battery_prefix))
    return false;
  auto suffix = s.substr(battery_prefix.size());
  if (ours)
    return is_name_element(suffix, true);
  auto elements = split(suffix, '.');
  return std::all_of(
      elements.begin(), elements.end(),
      [](const std::string& e) { return is_name_element(e, false); });
}

/// The battery service name `s` was probably meant to be: a misspelt
/// prefix (`com.victronenergy.batery.x`), a bare suffix (`ttyS1`), or the
/// Python add-on's short form `battery.ttyS1`.
std::string suggest_service(const std::string& s, bool ours) {
  auto elements = split(s, '.');
  std::string rest;
  if (elements.size() >= 4
      && edit_distance(elements[0] + "." + elements[1] + "." + elements[2],
                       "com.victronenergy.battery")
             <= 3) {
    rest = s.substr(elements[0].size() + elements[1].size() + elements[2].size()
                    + 3);
  } else if (elements.size() >= 2 && elements[0] == "battery") {
    rest = s.substr(8);
  } else if (elements.size() == 1) {
    rest = s;
  }
  auto candidate = battery_prefix + rest;
  return !rest.empty() && is_battery_service(candidate, ours) ? candidate
                                                              : std::string{};
}

/// A `classes` key or the part after `class:`: `hooks.<Name>[#tag]`.
struct hook_key {
  std::string base; ///< `hooks.<Name>`
  std::string tag;
  bool has_tag = false;
};

hook_key split_hook_key(const std::string& key) {
  hook_key k;
  auto hash = key.find('#');
  k.base = key.substr(0, hash);
  if (hash != std::string::npos) {
    k.has_tag = true;
    k.tag = key.substr(hash + 1);
  }
  return k;
}

bool is_tag(const std::string& tag) {
  return !tag.empty() && std::all_of(tag.begin(), tag.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// -- numbers -----------------------------------------------------------------

/// A charging-hook threshold key: a JSON-style decimal number ("12",
/// "-5", "12.5", "1e2"). Stricter than strtod, which also takes hex, "inf",
/// "nan" and leading blanks.
bool parse_threshold(const std::string& s, double& out) {
  size_t i = 0, n = s.size();
  auto digits = [&] {
    size_t start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
      ++i;
    return i > start;
  };
  if (i < n && s[i] == '-')
    ++i;
  if (!digits())
    return false;
  if (i < n && s[i] == '.') {
    ++i;
    if (!digits())
      return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-'))
      ++i;
    if (!digits())
      return false;
  }
  if (i != n)
    return false;
  out = std::strtod(s.c_str(), nullptr);
  return std::isfinite(out);
}

// -- the validator -----------------------------------------------------------

enum class role : uint8_t { excluded, primary, auxiliary, vb_member };

/// One naming of a source in a role, for the one-role-per-source check.
struct role_use {
  std::string name;
  role r;
  std::string loc;
  std::string vb; ///< vb_member: the virtual battery
};

struct hook_use {
  std::string key; ///< `hooks.<Name>[#tag]`
  std::string loc;
};

class validator {
 public:
  validator(const std::string& origin, config_report& rep)
      : origin_(origin), rep_(rep), cfg_(rep.cfg) {}

  void run(const json& doc) {
    if (!doc.is_object()) {
      error("top level",
            "the config must be a JSON object, not " + describe(doc));
      return;
    }
    auto deep = too_deep(doc);
    if (!deep.empty()) {
      error(deep, "nested more than " + std::to_string(max_config_depth)
                      + " levels deep; no config value is");
      return;
    }
    // The schema judges the structure (main/config_schema.cpp); this class
    // words its findings where they belong, in file order, and checks the
    // rest.
    for (auto& f : check_against_schema(doc))
      findings_[location(f.where)].push_back({f.rule, f.text, false});
    auto& top = config_schema();
    auto& props = top["properties"];
    for (auto it = doc.begin(); it != doc.end(); ++it) {
      auto& key = it.key();
      auto loc = at("", key);
      if (!props.contains(key)) {
        unknown_key(loc, key, top);
        continue;
      }
      auto handler = std::find_if(keys().begin(), keys().end(),
                                  [&](auto& k) { return k.first == key; });
      auto& node = schema_resolve(props[key]);
      if (!shape(loc, it.value(), node, key))
        continue;
      if (handler == keys().end())
        error(loc, "the schema has this key but the loader does not");
      else
        (this->*handler->second)(loc, it.value(), node);
    }
    check_own_names();
    check_roles();
    check_cycles();
    check_hooks();
    unworded_findings();
  }

  /// Every top-level key the loader reads (the schema must list the same).
  static std::vector<std::string> key_names() {
    std::vector<std::string> out;
    for (auto& k : keys())
      out.push_back(k.first);
    return out;
  }

 private:
  using handler
      = void (validator::*)(const std::string&, const json&, const json&);

  /// What each top-level key means; which keys exist, and their types,
  /// ranges and closed sets, are the schema's.
  static const std::vector<std::pair<std::string, handler>>& keys() {
    static const std::vector<std::pair<std::string, handler>> table{
        {"$schema", &validator::ignored},
        {"excludedServices", &validator::excluded_services},
        {"primaryServices", &validator::primary_services},
        {"auxiliaryServices", &validator::auxiliary_services},
        {"capacity", &validator::capacity},
        {"virtualBatteries", &validator::virtual_batteries},
        {"classes", &validator::classes},
        {"serviceName", &validator::service_name},
        {"logLevel", &validator::log_level_key},
        {"reconnectTimeout", &validator::reconnect_timeout},
        {"startupBatteryWait", &validator::startup_battery_wait},
        {"staleTimeout", &validator::stale_timeout},
        {"cvlMode", &validator::cvl_mode_key},
        {"cclMode", &validator::ccl_mode_key},
        {"currentRatioMethod", &validator::ratio_method_key},
        {"ir", &validator::ir},
        {"socMethod", &validator::soc_method_key},
        {"publishInterval", &validator::publish_interval},
        {"legacySignals", &validator::legacy_signals},
        {"bmsCableWhenMissing", &validator::bms_cable_when_missing},
    };
    return table;
  }

  void error(const std::string& loc, const std::string& msg,
             const std::string& suggestion = {}) {
    rep_.errors.push_back(format(loc, msg, suggestion));
  }

  void warning(const std::string& loc, const std::string& msg,
               const std::string& suggestion = {}) {
    rep_.warnings.push_back(format(loc, msg, suggestion));
  }

  std::string format(const std::string& loc, const std::string& msg,
                     const std::string& suggestion) const {
    auto line = origin_ + ": " + loc + ": " + msg;
    if (!suggestion.empty())
      line += " (did you mean " + quote(suggestion) + "?)";
    return line;
  }

  // -- the schema's findings ------------------------------------------------

  struct finding {
    schema_rule rule;
    std::string text;
    bool worded;
  };

  static std::string location(const std::vector<schema_step>& where) {
    std::string loc;
    for (auto& s : where)
      loc = s.index ? at(loc, std::stoul(s.key)) : at(loc, s.key);
    return loc.empty() ? "top level" : loc;
  }

  /// The first value nested deeper than `max_config_depth` ("" if none),
  /// found without recursion (the schema's evaluator recurses).
  static std::string too_deep(const json& doc) {
    struct item {
      const json* v;
      std::string loc;
      size_t depth;
    };
    std::vector<item> stack{{&doc, "", 0}};
    while (!stack.empty()) {
      auto top = std::move(stack.back());
      stack.pop_back();
      if (top.depth > max_config_depth)
        return top.loc;
      if (top.v->is_object())
        for (auto it = top.v->begin(); it != top.v->end(); ++it)
          stack.push_back({&it.value(), at(top.loc, it.key()), top.depth + 1});
      else if (top.v->is_array())
        for (size_t i = 0; i < top.v->size(); ++i)
          stack.push_back({&(*top.v)[i], at(top.loc, i), top.depth + 1});
    }
    return {};
  }

  /// Marks the findings of `rule` at `loc` as worded; true if there was one.
  bool take(const std::string& loc, schema_rule rule) {
    auto it = findings_.find(loc);
    if (it == findings_.end())
      return false;
    bool found = false;
    for (auto& f : it->second)
      if (f.rule == rule && !f.worded) {
        f.worded = true;
        found = true;
      }
    return found;
  }

  /// What the value must be, in the schema's words (`x-expected`, `x-unit`,
  /// `x-count`) and the limits it gives. False if the value's type, closed
  /// set or range is wrong (then reported; its parts are not looked at). A
  /// list or object of the wrong size is reported, and the value still read.
  bool shape(const std::string& loc, const json& v, const json& node,
             const std::string& name) {
    if (findings_.empty())
      return true;
    if (take(loc, schema_rule::type)) {
      error(loc,
            "must be " + text_of(node, "x-expected") + ", not " + describe(v));
      drop_below(loc);
      return false;
    }
    if (take(loc, schema_rule::enumeration)) {
      std::vector<std::string> names;
      for (auto& e : node["enum"])
        names.push_back(e.get<std::string>());
      auto s = v.get<std::string>();
      error(loc, quote(s) + " is not a " + name + ": expected " + one_of(names),
            nearest(s, names));
      return false;
    }
    auto unit = text_of(node, "x-unit");
    if (take(loc, schema_rule::range)) {
      bool open = node.contains("exclusiveMinimum");
      auto min = node[open ? "exclusiveMinimum" : "minimum"].get<double>();
      auto max = node["maximum"].get<double>();
      auto range
          = open ? "greater than " + number_text(min) + " and at most "
                       + number_text(max)
                 : "between " + number_text(min) + " and " + number_text(max);
      error(loc, "must be " + range + (unit.empty() ? "" : " (" + unit + ")")
                     + ", not " + number_text(v.get<double>()));
      take(loc, schema_rule::multiple_of);
      return false;
    }
    if (take(loc, schema_rule::multiple_of)) {
      error(loc, "must be a whole number" + (unit.empty() ? "" : " of " + unit)
                     + ", not " + number_text(v.get<double>()));
      return false;
    }
    if (take(loc, schema_rule::count)) {
      auto text = text_of(node, "x-count");
      auto n = text.find("{count}");
      if (n != std::string::npos)
        text.replace(n, 7, std::to_string(v.size()));
      error(loc, text);
    }
    return true;
  }

  /// The keys `node` requires that `v` lacks (`required`, or `anyOf` of
  /// them), in the words of its `x-missing`.
  void missing(const std::string& loc, const json& v, const json& node) {
    auto text = text_of(node, "x-missing");
    if (take(loc, schema_rule::required) && node.contains("required"))
      for (auto& key : node["required"])
        if (!v.contains(key.get<std::string>())) {
          auto line = text;
          auto n = line.find("{name}");
          if (n != std::string::npos)
            line.replace(n, 6, quote(key.get<std::string>()));
          error(loc, line);
        }
    if (take(loc, schema_rule::any_of))
      error(loc, text);
  }

  /// A key the schema does not allow in `node`, with the closest it does.
  void unknown_key(const std::string& loc, const std::string& key,
                   const json& node, bool hook_argument = false) {
    take(loc, schema_rule::unknown_key);
    auto names = property_names(node);
    if (hook_argument)
      error(loc, "unknown hook argument: expected " + one_of(names),
            closest_match(key, names));
    else
      error(loc, "unknown key", closest_match(key, names));
  }

  static std::vector<std::string> property_names(const json& node) {
    std::vector<std::string> names;
    if (node.contains("properties"))
      for (auto& [name, sub] : node["properties"].items())
        names.push_back(name);
    return names;
  }

  /// `node`'s subschema for property `key`, resolved; null if none.
  static const json* property(const json& node, const std::string& key) {
    if (!node.contains("properties") || !node["properties"].contains(key))
      return nullptr;
    return &schema_resolve(node["properties"][key]);
  }

  static std::string text_of(const json& node, const char* keyword) {
    auto it = node.find(keyword);
    return it != node.end() && it->is_string() ? it->get<std::string>()
                                               : std::string{};
  }

  /// A part this class reports as a whole ("a hook takes no paths"): the
  /// schema's findings inside it are not worded again.
  void drop_below(const std::string& loc) {
    for (auto it = findings_.upper_bound(loc);
         it != findings_.end() && it->first.compare(0, loc.size(), loc) == 0;
         ++it)
      if (it->first.size() > loc.size()
          && (it->first[loc.size()] == '.' || it->first[loc.size()] == '['))
        for (auto& f : it->second)
          f.worded = true;
  }

  /// The schema's findings no check above worded: the schema has the last
  /// word, so a value it refuses is never taken.
  void unworded_findings() {
    for (auto& [loc, fs] : findings_)
      for (auto& f : fs)
        if (!f.worded)
          error(loc, "does not match the config schema: " + f.text);
  }

  /// The enum value of `v` in `table` (names the schema's `enum` lists).
  template <class Enum>
  void pick(const std::string& loc, const json& v,
            const std::vector<std::pair<std::string, Enum>>& table, Enum& out) {
    for (auto& [name, value] : table)
      if (v == name) {
        out = value;
        return;
      }
    error(loc, quote(v.get<std::string>())
                   + " is in the schema but the loader does not know it");
  }

  // -- names and paths --------------------------------------------------

  /// Checks a source name in a role list; `in_vb` allows hooks. Returns
  /// false for an invalid name (already reported).
  bool source_name(const std::string& loc, const std::string& s, bool in_vb) {
    if (s.compare(0, 5, "name:") == 0) {
      if (s.size() == 5) {
        error(loc, "\"name:\" needs a custom name after the colon");
        return false;
      }
      return true;
    }
    if (s.compare(0, hook_prefix.size(), hook_prefix) == 0) {
      if (!in_vb) {
        error(loc, quote(s)
                       + ": a hook can only be a member of a virtual "
                         "battery");
        return false;
      }
      return hook_name(loc, s.substr(hook_prefix.size()), hook_prefix);
    }
    if (is_battery_service(s, false))
      return true;
    if (s.compare(0, battery_prefix.size(), battery_prefix) == 0) {
      error(loc, quote(s) + ": the part after \"" + battery_prefix
                     + "\" must be name elements of letters, digits, _ and "
                       "-, not starting with a digit");
      return false;
    }
    error(loc,
          quote(s) + " is not a battery service name: expected "
              + battery_prefix + "<suffix> or name:<CustomName>"
              + (in_vb ? " or class:hooks.<Name>[#tag]" : ""),
          suggest_service(s, false));
    return false;
  }

  /// A name this process publishes (`serviceName`, a virtual battery).
  bool own_name(const std::string& loc, const std::string& s) {
    if (is_battery_service(s, true))
      return true;
    error(loc,
          quote(s)
              + " is not a valid name for a service of this process: "
                "expected "
              + battery_prefix
              + "<suffix>, the suffix of letters, digits and _, not starting "
                "with a digit",
          suggest_service(s, true));
    return false;
  }

  /// `hooks.<Name>[#tag]`; `prefix` is what stood before it in the file
  /// (`class:` in a member list), for the suggestion.
  bool hook_name(const std::string& loc, const std::string& key,
                 const std::string& prefix) {
    auto k = split_hook_key(key);
    auto& names = hook_names();
    if (std::find(names.begin(), names.end(), k.base) == names.end()) {
      auto best = closest_match(k.base, names);
      if (best.empty() && k.base.compare(0, 6, "hooks.") != 0)
        best = closest_match("hooks." + k.base, names);
      error(loc,
            quote(prefix + key) + " is not a hook: expected " + one_of(names),
            best.empty() ? best
                         : prefix + best + (k.has_tag ? "#" + k.tag : ""));
      return false;
    }
    if (k.has_tag && !is_tag(k.tag)) {
      error(loc, quote(prefix + key)
                     + ": the tag after # must be letters, "
                       "digits, _ and -");
      return false;
    }
    if (key.size() > max_pattern_text) {
      error(loc, quote(prefix + key) + ": longer than "
                     + std::to_string(max_pattern_text) + " characters");
      return false;
    }
    return true;
  }

  /// The canonical spelling of a path, or "" when it is malformed (then
  /// reported).
  std::string path(const std::string& loc, const std::string& p) {
    auto canonical = canonical_path(p);
    if (!canonical.empty()) {
      if (canonical != p)
        warning(loc, quote(p) + " taken as " + quote(canonical));
      return canonical;
    }
    if (is_object_path(p)) {
      auto similar = similar_known_path(p);
      if (!similar.empty())
        warning(loc,
                quote(p) + " is not a known battery path; passed through as is",
                similar);
      return p;
    }
    error(loc,
          quote(p)
              + " is not a D-Bus object path: expected / followed by "
                "elements of letters, digits and _ separated by /",
          repair_path(p));
    return {};
  }

  /// The path a malformed one was probably meant to be: leading slash
  /// added, doubled and trailing slashes dropped.
  static std::string repair_path(const std::string& p) {
    std::string out = "/";
    for (char c : p)
      if (c != '/' || out.back() != '/')
        out += c;
    while (out.size() > 1 && out.back() == '/')
      out.pop_back();
    if (!is_object_path(out))
      return {};
    auto canonical = canonical_path(out);
    return canonical.empty() ? out : canonical;
  }

  /// `[paths]`: `[]` = all paths.
  void path_list(const std::string& loc, const json& v, const json& node,
                 source_ref& ref) {
    if (!shape(loc, v, node, ""))
      return;
    ref.all_paths = v.empty();
    auto& item = schema_resolve(node["items"]);
    std::map<std::string, std::string> seen; // canonical -> first location
    for (size_t i = 0; i < v.size(); ++i) {
      auto li = at(loc, i);
      if (!shape(li, v[i], item, ""))
        continue;
      auto p = path(li, v[i].get<std::string>());
      if (p.empty())
        continue;
      auto [first, fresh] = seen.emplace(p, li);
      if (!fresh) {
        error(li,
              quote(p) + " is listed twice (first at " + first->second + ")");
        continue;
      }
      ref.paths.push_back(p);
    }
  }

  // -- role lists ---------------------------------------------------------

  void ignored(const std::string&, const json&, const json&) {}

  void excluded_services(const std::string& loc, const json& v,
                         const json& node) {
    auto& item = schema_resolve(node["items"]);
    for (size_t i = 0; i < v.size(); ++i) {
      auto li = at(loc, i);
      if (!shape(li, v[i], item, ""))
        continue;
      auto s = v[i].get<std::string>();
      if (!source_name(li, s, false))
        continue;
      cfg_.excluded_services.push_back(s);
      uses_.push_back({s, role::excluded, li, {}});
    }
  }

  void primary_services(const std::string& loc, const json& v,
                        const json& node) {
    role_list(loc, v, node, role::primary, cfg_.primary_services);
  }

  void auxiliary_services(const std::string& loc, const json& v,
                          const json& node) {
    role_list(loc, v, node, role::auxiliary, cfg_.auxiliary_services);
  }

  /// `[names]` (all paths) or `{name: [paths]}`.
  void role_list(const std::string& loc, const json& v, const json& node,
                 role r, std::vector<source_ref>& out) {
    if (v.is_array()) {
      auto& item = schema_resolve(node["items"]);
      for (size_t i = 0; i < v.size(); ++i) {
        auto li = at(loc, i);
        if (!shape(li, v[i], item, ""))
          continue;
        auto s = v[i].get<std::string>();
        if (!source_name(li, s, false))
          continue;
        out.push_back(source_ref{s, {}, true});
        uses_.push_back({s, r, li, {}});
      }
      return;
    }
    auto& paths_node = schema_resolve(node["additionalProperties"]);
    for (auto& [name, paths] : v.items()) {
      auto ln = at(loc, name);
      bool valid = source_name(ln, name, false);
      source_ref ref{name, {}, true};
      path_list(ln, paths, paths_node, ref);
      if (!valid)
        continue;
      out.push_back(std::move(ref));
      uses_.push_back({name, r, ln, {}});
    }
  }

  // -- virtual batteries ----------------------------------------------------

  void virtual_batteries(const std::string& loc, const json& v,
                         const json& node) {
    auto& vb_node = schema_resolve(node["additionalProperties"]);
    for (auto& [service, spec] : v.items()) {
      auto lv = at(loc, service);
      virtual_battery vb;
      vb.service = service;
      bool valid = own_name(lv, service);
      if (!shape(lv, spec, vb_node, ""))
        continue;
      if (spec.is_array()) {
        auto& m = schema_resolve(vb_node["items"]);
        for (size_t i = 0; i < spec.size(); ++i)
          member(at(lv, i), spec[i], m, vb);
      } else if (spec.contains("topology") || spec.contains("members")) {
        topology_form(lv, spec, schema_resolve(vb_node["then"]), vb);
      } else {
        auto& paths_node
            = schema_resolve(vb_node["else"]["additionalProperties"]);
        for (auto& [name, paths] : spec.items())
          member_with_paths(at(lv, name), name, paths, paths_node, vb);
      }
      if (valid) {
        vb_locs_[service] = lv;
        cfg_.virtual_batteries.push_back(std::move(vb));
      }
    }
  }

  /// `{"topology": "series"|"parallel"|"merge", "members": [...]}`; a
  /// missing topology means merge, the kind of the Python add-on's forms.
  void topology_form(const std::string& lv, const json& spec, const json& node,
                     virtual_battery& vb) {
    static const std::vector<std::pair<std::string, topology>> kinds{
        {"merge", topology::merge},
        {"parallel", topology::parallel},
        {"series", topology::series}};
    // The kind decides whether members may carry paths, whatever the key
    // order in the file.
    auto t = spec.find("topology");
    if (t != spec.end() && !findings_.count(at(lv, "topology")))
      pick(at(lv, "topology"), *t, kinds, vb.kind);
    for (auto& [key, val] : spec.items()) {
      auto lk = at(lv, key);
      auto* sub = property(node, key);
      if (sub == nullptr) {
        unknown_key(lk, key, node);
        continue;
      }
      if (!shape(lk, val, *sub, key) || key != "members")
        continue;
      auto& m = schema_resolve((*sub)["items"]);
      for (size_t i = 0; i < val.size(); ++i)
        member(at(lk, i), val[i], m, vb);
    }
    missing(lv, spec, node);
  }

  /// A member given as a name (all paths) or, in the topology form, as an
  /// object `{name: [paths]}` with one key.
  void member(const std::string& loc, const json& m, const json& node,
              virtual_battery& vb) {
    if (!shape(loc, m, node, ""))
      return;
    auto& paths_node = schema_resolve(node["additionalProperties"]);
    if (m.is_string()) {
      member_with_paths(loc, m.get<std::string>(), json::array(), paths_node,
                        vb);
    } else if (m.size() == 1) {
      auto it = m.begin();
      member_with_paths(at(loc, it.key()), it.key(), it.value(), paths_node,
                        vb);
    } else {
      drop_below(loc);
    }
  }

  void member_with_paths(const std::string& loc, const std::string& name,
                         const json& paths, const json& paths_node,
                         virtual_battery& vb) {
    bool valid = source_name(loc, name, true);
    source_ref ref{name, {}, true};
    bool hook = name.compare(0, hook_prefix.size(), hook_prefix) == 0;
    if (hook || vb.kind != topology::merge) {
      // Only merge picks paths per member; a hook has no paths at all.
      if (shape(loc, paths, paths_node, "") && !paths.empty())
        error(loc, hook ? "a hook takes no paths: write []"
                        : "paths can only be chosen per member in a merge "
                          "battery; series and parallel use all paths: write "
                          "[]");
      drop_below(loc);
    } else {
      path_list(loc, paths, paths_node, ref);
    }
    if (!valid)
      return;
    for (auto& other : vb.members)
      if (other.name == name) {
        error(loc, quote(name) + " is listed twice in this virtual battery");
        return;
      }
    vb.members.push_back(std::move(ref));
    if (hook)
      hook_uses_.push_back({name.substr(hook_prefix.size()), loc});
    else
      uses_.push_back({name, role::vb_member, loc, vb.service});
  }

  // -- hooks ------------------------------------------------------------------

  /// The arguments' schema of a `classes` key (`patternProperties`); null
  /// when no pattern matches.
  static const json* hook_schema(const json& node, const std::string& key) {
    for (auto& [pattern, sub] : node["patternProperties"].items())
      if (pattern_matches(std::regex{pattern}, key))
        return &schema_resolve(sub);
    return nullptr;
  }

  void classes(const std::string& loc, const json& v, const json& node) {
    for (auto& [key, args] : v.items()) {
      auto lk = at(loc, key);
      bool valid = hook_name(lk, key, "");
      auto* args_node = hook_schema(node, key);
      if (!valid) {
        // Reported with a suggestion; the schema refused the key as well.
        take(lk, schema_rule::unknown_key);
        drop_below(lk);
        continue;
      }
      if (args_node == nullptr || !shape(lk, args, *args_node, ""))
        continue;
      hook_spec h;
      h.key = key;
      h.kind = split_hook_key(key).base;
      if (h.kind == "hooks.FixedValueHook")
        fixed_value_hook(lk, args, *args_node, h);
      else
        charging_hook(lk, args, *args_node, h);
      class_locs_.emplace_back(key, lk);
      cfg_.hooks[key] = std::move(h);
    }
  }

  void fixed_value_hook(const std::string& loc, const json& args,
                        const json& node, hook_spec& h) {
    for (auto& [key, val] : args.items()) {
      auto lk = at(loc, key);
      auto* sub = property(node, key);
      if (sub == nullptr) {
        unknown_key(lk, key, node, true);
        continue;
      }
      if (!shape(lk, val, *sub, key))
        continue;
      if (key == "path")
        h.path = path(lk, val.get<std::string>());
      else if (val.is_number_integer() && val.is_number_unsigned()
               && val.get<uint64_t>() > uint64_t{INT64_MAX})
        h.fixed = value::real(val.get<double>());
      else if (val.is_number_integer())
        h.fixed = value::integer(val.get<int64_t>());
      else if (val.is_number())
        h.fixed = value::real(val.get<double>());
      else if (val.is_string())
        h.fixed = value::text(val.get<std::string>());
    }
    missing(loc, args, node);
  }

  void charging_hook(const std::string& loc, const json& args, const json& node,
                     hook_spec& h) {
    for (auto& [key, val] : args.items()) {
      auto lk = at(loc, key);
      auto* sub = property(node, key);
      if (sub == nullptr)
        unknown_key(lk, key, node, true);
      else
        table(lk, val, *sub, key == "ccls" ? h.ccls : h.dcls);
    }
    missing(loc, args, node);
  }

  /// `{"<threshold>": amps}`, sorted by threshold: the Python add-on needed
  /// ascending keys in the file, this does not.
  void table(const std::string& loc, const json& v, const json& node,
             std::vector<std::pair<double, double>>& out) {
    if (!shape(loc, v, node, ""))
      return;
    auto& amps_node = schema_resolve(node["additionalProperties"]);
    std::map<double, std::string> seen; // threshold -> its key in the file
    for (auto& [key, amps] : v.items()) {
      auto lk = at(loc, key);
      double threshold = 0;
      bool valid = parse_threshold(key, threshold);
      if (!valid) {
        take(lk, schema_rule::property_name);
        error(lk, quote(key)
                      + " is not a number: a threshold is written "
                        "like \"12\" or \"-5.5\"");
      }
      if (!shape(lk, amps, amps_node, "") || !valid)
        continue;
      auto [first, fresh] = seen.emplace(threshold, key);
      if (!fresh) {
        error(lk, "threshold " + number_text(threshold)
                      + " is given twice (also as " + quote(first->second)
                      + ")");
        continue;
      }
      out.emplace_back(threshold, amps.get<double>());
    }
    std::sort(out.begin(), out.end());
  }

  // -- scalar keys (the schema checked type and range) -------------------

  void capacity(const std::string&, const json& v, const json&) {
    // null = not set: lets the sample config show the key with its default.
    if (!v.is_null())
      cfg_.capacity = v.get<double>();
  }

  void service_name(const std::string& loc, const json& v, const json&) {
    auto s = v.get<std::string>();
    if (own_name(loc, s))
      cfg_.service_name = s;
  }

  void log_level_key(const std::string& loc, const json& v, const json&) {
    auto s = v.get<std::string>();
    if (auto lvl = parse_log_level(s)) {
      cfg_.level = *lvl;
      return;
    }
    // Any letter case: a schema's enum cannot say that.
    std::vector<std::string> names{"DEBUG", "INFO", "WARNING", "ERROR"};
    error(loc,
          quote(s) + " is not a log level: expected " + one_of(names)
              + ", in any letter case",
          nearest(s, names));
  }

  void reconnect_timeout(const std::string&, const json& v, const json&) {
    cfg_.reconnect_timeout = v.get<double>();
  }

  void startup_battery_wait(const std::string&, const json& v, const json&) {
    cfg_.startup_battery_wait = v.get<double>();
  }

  void stale_timeout(const std::string&, const json& v, const json&) {
    cfg_.stale_timeout = v.get<double>();
  }

  void publish_interval(const std::string&, const json& v, const json&) {
    cfg_.publish_interval_ms = static_cast<int>(v.get<double>());
  }

  void legacy_signals(const std::string&, const json& v, const json&) {
    cfg_.legacy_signals = v.get<bool>();
  }

  void bms_cable_when_missing(const std::string&, const json& v, const json&) {
    cfg_.bms_cable_when_missing = v.get<bool>();
  }

  void cvl_mode_key(const std::string& loc, const json& v, const json&) {
    pick<cvl_mode>(loc, v,
                   {{"max_when_balancing", cvl_mode::max_when_balancing},
                    {"min_when_balancing", cvl_mode::min_when_balancing},
                    {"max_always", cvl_mode::max_always},
                    {"max_when_floating", cvl_mode::max_when_floating},
                    {"dvcc", cvl_mode::dvcc}},
                   cfg_.cvl);
  }

  void ccl_mode_key(const std::string& loc, const json& v, const json&) {
    pick<ccl_mode>(loc, v,
                   {{"battery+dvcc", ccl_mode::battery_dvcc},
                    {"battery", ccl_mode::battery},
                    {"dvcc", ccl_mode::dvcc}},
                   cfg_.ccl);
  }

  void ratio_method_key(const std::string& loc, const json& v, const json&) {
    pick<ratio_method>(loc, v,
                       {{"capacity", ratio_method::capacity},
                        {"count", ratio_method::count},
                        {"ir", ratio_method::ir}},
                       cfg_.ratio);
  }

  void soc_method_key(const std::string& loc, const json& v, const json&) {
    pick<soc_method>(loc, v,
                     {{"weighted", soc_method::weighted},
                      {"mean", soc_method::mean},
                      {"min", soc_method::min}},
                     cfg_.soc);
  }

  void ir(const std::string& loc, const json& v, const json& node) {
    for (auto& [key, val] : v.items()) {
      auto lk = at(loc, key);
      auto* sub = property(node, key);
      if (sub == nullptr) {
        unknown_key(lk, key, node);
        continue;
      }
      if (!shape(lk, val, *sub, key))
        continue;
      if (key == "maxPercentageError")
        cfg_.ir.max_percentage_error = val.get<double>();
      else if (key == "minVoltageChange")
        cfg_.ir.min_voltage_change = val.get<double>();
      else
        error(lk, "the schema has this key but the loader does not");
    }
  }

  // -- whole-file checks ----------------------------------------------------

  bool is_virtual(const std::string& name) const {
    return vb_locs_.count(name) != 0;
  }

  /// The main service's name is taken: no virtual battery may use it.
  void check_own_names() {
    for (auto& vb : cfg_.virtual_batteries)
      if (vb.service == cfg_.service_name)
        error(vb_locs_[vb.service],
              "the virtual battery has the main service's name (serviceName)");
  }

  static std::string role_text(const role_use& u) {
    switch (u.r) {
      case role::excluded:
        return "excluded";
      case role::primary:
        return "a primary source";
      case role::auxiliary:
        return "an auxiliary source";
      default:
        return "a member of virtual battery " + quote(u.vb);
    }
  }

  /// Exactly one role per source (product.md section 1), in file order.
  void check_roles() {
    std::map<std::string, role_use> seen;
    for (auto& u : uses_) {
      if (u.name == cfg_.service_name && u.r == role::excluded) {
        // Harmless: this process never aggregates itself.
        warning(u.loc, quote(u.name)
                           + " is the main service of this process "
                             "(serviceName), never a member; "
                             "nothing to exclude");
        auto& ex = cfg_.excluded_services;
        ex.erase(std::remove(ex.begin(), ex.end(), u.name), ex.end());
        continue;
      }
      if (u.name == cfg_.service_name) {
        error(u.loc, quote(u.name)
                         + " is the main service of this process "
                           "(serviceName)");
        continue;
      }
      if (is_virtual(u.name) && u.r != role::vb_member) {
        error(u.loc, quote(u.name)
                         + " is a virtual battery of this config: it is "
                           "always a member of the main bank or of the "
                           "virtual battery that lists it");
        continue;
      }
      auto i = seen.find(u.name);
      if (i == seen.end()) {
        seen.emplace(u.name, u);
        continue;
      }
      auto& first = i->second;
      auto pa
          = [](role r) { return r == role::primary || r == role::auxiliary; };
      if (first.r == u.r && first.vb == u.vb) {
        // Same list twice; a member twice in one virtual battery was
        // already reported where it was read.
        if (u.r != role::vb_member)
          error(u.loc, quote(u.name) + " is listed twice (first at " + first.loc
                           + ")");
      } else if ((first.r == role::excluded && pa(u.r))
                 || (pa(first.r) && u.r == role::excluded)) {
        // The Python add-on's users often excluded their primary shunt
        // too; the spec keeps that working.
        auto& excl = first.r == role::excluded ? first : u;
        auto& kept = first.r == role::excluded ? u : first;
        warning(excl.loc, quote(u.name) + " is also " + role_text(kept) + " at "
                              + kept.loc + "; that role wins");
        auto& ex = cfg_.excluded_services;
        ex.erase(std::remove(ex.begin(), ex.end(), u.name), ex.end());
        first = kept;
      } else {
        error(u.loc, quote(u.name) + " is already " + role_text(first) + " at "
                         + first.loc + "; a source has only one role");
      }
    }
  }

  /// Nesting must form a tree: no virtual battery may contain itself,
  /// directly or through others. Depth-first in file order, iterative: a
  /// generated config may chain thousands of virtual batteries.
  void check_cycles() {
    enum class mark : uint8_t { none, open, done };
    std::map<std::string, mark> marks;
    // The nested virtual batteries of each one, in file order.
    std::map<std::string, std::vector<const role_use*>> members;
    // (The main service's name was reported by check_roles already.)
    for (auto& u : uses_)
      if (u.r == role::vb_member && is_virtual(u.name)
          && u.name != cfg_.service_name)
        members[u.vb].push_back(&u);
    struct step {
      std::string vb;
      size_t next;
    };
    for (auto& root : cfg_.virtual_batteries) {
      if (marks[root.service] != mark::none)
        continue;
      std::vector<step> stack{{root.service, 0}};
      marks[root.service] = mark::open;
      while (!stack.empty()) {
        auto& top = stack.back();
        auto& ms = members[top.vb];
        if (top.next == ms.size()) {
          marks[top.vb] = mark::done;
          stack.pop_back();
          continue;
        }
        auto* u = ms[top.next++];
        if (u->name == top.vb) {
          error(u->loc, quote(u->name) + " is the virtual battery itself");
        } else if (marks[u->name] == mark::open) {
          std::string chain;
          auto from = std::find_if(stack.begin(), stack.end(),
                                   [&](auto& s) { return s.vb == u->name; });
          for (auto it = from; it != stack.end(); ++it)
            chain += it->vb + " -> ";
          error(u->loc, quote(u->name) + " forms a cycle: " + chain + u->name);
        } else if (marks[u->name] == mark::none) {
          marks[u->name] = mark::open;
          stack.push_back({u->name, 0});
        }
      }
    }
  }

  /// A `class:` member needs its arguments in `classes` (error: without
  /// them the hook cannot do anything); a `classes` entry no member uses is
  /// dead text (warning).
  void check_hooks() {
    std::set<std::string> used;
    for (auto& u : hook_uses_) {
      used.insert(u.key);
      if (cfg_.hooks.count(u.key) == 0)
        error(u.loc, quote(hook_prefix + u.key)
                         + " has no arguments: "
                           "\"classes\" has no key "
                         + quote(u.key));
    }
    for (auto& [key, loc] : class_locs_)
      if (used.count(key) == 0)
        warning(loc, "hook " + quote(key)
                         + " is not used: no virtual "
                           "battery lists "
                         + quote(hook_prefix + key));
  }

  const std::string& origin_;
  config_report& rep_;
  config& cfg_;
  std::vector<role_use> uses_;
  std::vector<hook_use> hook_uses_;
  std::map<std::string, std::string> vb_locs_;
  std::map<std::string, std::vector<finding>> findings_; ///< by location
  std::vector<std::pair<std::string, std::string>> class_locs_;
};

} // namespace

void validate_config(const nlohmann::ordered_json& doc,
                     const std::string& origin, config_report& rep) {
  validator{origin, rep}.run(doc);
}

std::vector<std::string> validated_keys() {
  return validator::key_names();
}

} // namespace ba
