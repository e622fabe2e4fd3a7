#include "main/config_loader.hpp"

#include <cerrno>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>
#include <sys/stat.h>

namespace ba {

namespace {

using json = nlohmann::ordered_json;

/// 1-based line and column of a byte offset.
std::string location(const std::string& text, size_t offset) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

/// Keys of the Python add-on that this version does not implement yet.
/// Ignoring them would change what is aggregated (a shunt listed as primary
/// would be counted as a member and double the current), so they are
/// refused instead.
const std::set<std::string>& not_yet_supported() {
  static const std::set<std::string> keys{"primaryServices",
                                          "auxiliaryServices",
                                          "virtualBatteries",
                                          "cvlMode",
                                          "cclMode",
                                          "currentRatioMethod",
                                          "ir",
                                          "classes"};
  return keys;
}

} // namespace

config_report parse_config(const std::string& text, const std::string& origin) {
  config_report rep;
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    // nlohmann's text starts with "[json.exception.parse_error.101] parse
    // error at line 1, column 5: ..."; keep the part after the position.
    auto colon = what.find(": ", what.find("parse error"));
    auto detail = colon == std::string::npos ? what : what.substr(colon + 2);
    rep.errors.push_back(origin + ": invalid JSON at "
                         + location(text, e.byte > 0 ? e.byte - 1 : 0) + ": "
                         + detail);
    return rep;
  }
  if (!doc.is_object()) {
    rep.errors.push_back(origin + ": the config must be a JSON object");
    return rep;
  }
  auto& c = rep.cfg;
  auto err = [&](const std::string& key, const std::string& msg) {
    rep.errors.push_back(origin + ": " + key + ": " + msg);
  };
  auto number = [&](const std::string& key, const json& v, double min,
                    double& out) {
    if (!v.is_number()) {
      err(key, "must be a number");
      return;
    }
    auto x = v.get<double>();
    if (!std::isfinite(x) || x < min) {
      err(key, "must be at least " + std::to_string(static_cast<int>(min)));
      return;
    }
    out = x;
  };
  for (auto& [key, v] : doc.items()) {
    if (key == "serviceName") {
      static const std::string prefix = "com.victronenergy.battery.";
      if (!v.is_string()) {
        err(key, "must be a string");
      } else {
        auto s = v.get<std::string>();
        auto suffix = s.compare(0, prefix.size(), prefix) == 0
                          ? s.substr(prefix.size())
                          : std::string{};
        bool valid
            = !suffix.empty()
              && suffix.find_first_not_of(
                     "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789_")
                     == std::string::npos
              && !std::isdigit(static_cast<unsigned char>(suffix[0]));
        if (!valid)
          err(key, "\"" + s
                       + "\" is not com.victronenergy.battery.<suffix> with a "
                         "suffix of letters, digits and _");
        else
          c.service_name = s;
      }
    } else if (key == "excludedServices") {
      if (!v.is_array()) {
        err(key, "must be a list of service names");
        continue;
      }
      for (size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string())
          err(key + "[" + std::to_string(i) + "]", "must be a string");
        else
          c.excluded_services.push_back(v[i].get<std::string>());
      }
    } else if (key == "capacity") {
      double x = 0;
      number(key, v, 0, x);
      if (v.is_number() && x > 0)
        c.capacity = x;
      else if (v.is_number())
        err(key, "must be greater than 0");
    } else if (key == "socMethod") {
      auto s = v.is_string() ? v.get<std::string>() : std::string{};
      if (s == "weighted")
        c.soc = soc_method::weighted;
      else if (s == "mean")
        c.soc = soc_method::mean;
      else if (s == "min")
        c.soc = soc_method::min;
      else
        err(key, "must be one of weighted, mean, min");
    } else if (key == "startupBatteryWait") {
      number(key, v, 0, c.startup_battery_wait);
    } else if (key == "reconnectTimeout") {
      number(key, v, 0, c.reconnect_timeout);
    } else if (key == "staleTimeout") {
      number(key, v, 1, c.stale_timeout);
    } else if (key == "publishInterval") {
      double x = c.publish_interval_ms;
      number(key, v, 0, x);
      c.publish_interval_ms = static_cast<int>(x);
    } else if (key == "legacySignals") {
      if (!v.is_boolean())
        err(key, "must be true or false");
      else
        c.legacy_signals = v.get<bool>();
    } else if (key == "logLevel") {
      auto lvl
          = v.is_string() ? parse_log_level(v.get<std::string>()) : caf::none;
      if (!lvl)
        err(key, "must be one of DEBUG, INFO, WARNING, ERROR");
      else
        c.level = *lvl;
    } else if (not_yet_supported().count(key) != 0) {
      err(key, "is a key of the Python add-on that this version does not "
               "implement yet; remove it or use a later version");
    } else {
      err(key, "unknown key");
    }
  }
  return rep;
}

config_report load_config(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 && errno == ENOENT)
    return {}; // no file: defaults
  std::ifstream in{path};
  if (!in) {
    config_report rep;
    rep.errors.push_back(path + ": cannot be read");
    return rep;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return parse_config(buf.str(), path);
}

} // namespace ba
