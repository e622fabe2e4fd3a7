#include "main/config_schema.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <regex>
#include <utility>

// Our own evaluator of the draft-07 subset the config schema uses, not a
// library (the README's "The config schema" says why not the one Debian
// has). Each keyword sets its rule directly, so the loader reads no message
// text; `schema_unsupported` keeps the schema inside this subset.

namespace ba {

namespace {

using json = nlohmann::ordered_json;

/// Keywords that only describe: every validator skips them.
bool is_annotation(const std::string& k) {
  return k == "description" || k == "default" || k == "title" || k == "examples"
         || k == "$schema" || k == "$id" || k.compare(0, 2, "x-") == 0;
}

/// The schema `#/definitions/<name>` names in `root`; null if none.
const json* definition(const json& root, const json& ref) {
  static const std::string prefix = "#/definitions/";
  if (!ref.is_string())
    return nullptr;
  auto& r = ref.get_ref<const std::string&>();
  if (r.compare(0, prefix.size(), prefix) != 0 || !root.contains("definitions"))
    return nullptr;
  auto& defs = root["definitions"];
  auto it = defs.find(r.substr(prefix.size()));
  return it != defs.end() ? &*it : nullptr;
}

bool has_type(const json& v, const std::string& type) {
  if (type == "integer")
    return v.is_number_integer()
           || (v.is_number_float()
               && v.get<double>() == std::floor(v.get<double>()));
  return (type == "null" && v.is_null())
         || (type == "boolean" && v.is_boolean())
         || (type == "object" && v.is_object())
         || (type == "array" && v.is_array())
         || (type == "number" && v.is_number())
         || (type == "string" && v.is_string());
}

class evaluator {
 public:
  evaluator(const json& root, std::vector<schema_finding>& out)
      : root_(root), out_(&out) {}

  /// Adds a finding for each keyword of `node` that `v` (at `where_`)
  /// fails, then checks its parts. Every failure adds a finding, so "no
  /// finding" is "valid" (`holds` relies on that).
  void check(const json& v, const json& node) {
    // Bounded recursion: the loader refuses deeper configs before, and a
    // schema whose $refs loop without descending stops here too.
    if (where_.size() > max_config_depth || calls_ > 4 * max_config_depth)
      return fail(schema_rule::unchecked, "nested too deep to check");
    const json* s = &node;
    for (int hops = 0; s != nullptr && s->is_object() && s->contains("$ref");
         ++hops)
      s = hops < 8 ? definition(root_, (*s)["$ref"]) : nullptr;
    if (s == nullptr || !s->is_object())
      return fail(schema_rule::unchecked, "the schema's $ref is broken here");
    ++calls_;
    scalar(v, *s);
    if (v.is_array())
      array(v, *s);
    if (v.is_object())
      object(v, *s);
    if (auto a = s->find("anyOf");
        a != s->end() && std::none_of(a->begin(), a->end(), [&](const json& b) {
          return holds(v, b);
        }))
      fail(schema_rule::any_of, "matches no branch of anyOf");
    if (auto c = s->find("if"); c != s->end()) {
      auto branch = s->find(holds(v, *c) ? "then" : "else");
      if (branch != s->end())
        check(v, *branch);
    }
    --calls_;
  }

 private:
  void fail(schema_rule rule, std::string text) {
    out_->push_back({where_, rule, std::move(text)});
  }

  /// Whether `v` meets `s`, with no findings kept; an unchecked part is
  /// kept all the same, so a broken schema is never quiet.
  bool holds(const json& v, const json& s) {
    std::vector<schema_finding> scratch;
    auto* keep = std::exchange(out_, &scratch);
    check(v, s);
    out_ = keep;
    for (auto& f : scratch)
      if (f.rule == schema_rule::unchecked)
        out_->push_back(f);
    return scratch.empty();
  }

  /// `type`, `enum` and the keywords of numbers and strings, which (as the
  /// spec says) ignore values of other types.
  void scalar(const json& v, const json& s) {
    if (auto t = s.find("type"); t != s.end()) {
      bool any = t->is_string()
                     ? has_type(v, t->get<std::string>())
                     : std::any_of(t->begin(), t->end(), [&](const json& name) {
                         return has_type(v, name.get<std::string>());
                       });
      if (!any)
        fail(schema_rule::type, "type is not " + t->dump());
    }
    if (auto e = s.find("enum");
        e != s.end() && std::find(e->begin(), e->end(), v) == e->end())
      fail(schema_rule::enumeration, "not one of enum " + e->dump());
    if (v.is_number()) {
      auto x = v.get<double>();
      auto limit = [&](const char* key, bool (*ok)(double, double),
                       const char* words) {
        auto it = s.find(key);
        if (it != s.end() && !ok(x, it->get<double>()))
          fail(schema_rule::range, words + it->dump());
      };
      limit(
          "minimum", [](double a, double b) { return a >= b; },
          "less than minimum ");
      limit(
          "exclusiveMinimum", [](double a, double b) { return a > b; },
          "not more than exclusiveMinimum ");
      limit(
          "maximum", [](double a, double b) { return a <= b; },
          "more than maximum ");
      // Exact for the whole-number steps the schema uses; a decimal step
      // such as 0.1 would need a tolerance.
      if (auto m = s.find("multipleOf");
          m != s.end() && std::fmod(x, m->get<double>()) != 0)
        fail(schema_rule::multiple_of, "not a multiple of " + m->dump());
    }
    if (auto p = s.find("pattern"); p != s.end() && v.is_string()) {
      auto* re = regex(p->get<std::string>());
      if (re == nullptr)
        fail(schema_rule::unchecked, "the schema's pattern is broken");
      else if (!pattern_matches(*re, v.get<std::string>()))
        fail(schema_rule::pattern, "does not match pattern " + p->dump());
    }
  }

  /// `minItems`/`maxItems` (`minProperties`/`maxProperties`) for `n`.
  void count(size_t n, const json& s, const char* min, const char* max) {
    if (auto it = s.find(min); it != s.end() && n < it->get<size_t>())
      fail(schema_rule::count,
           std::to_string(n) + " is less than " + min + " " + it->dump());
    if (auto it = s.find(max); it != s.end() && n > it->get<size_t>())
      fail(schema_rule::count,
           std::to_string(n) + " is more than " + max + " " + it->dump());
  }

  void array(const json& v, const json& s) {
    count(v.size(), s, "minItems", "maxItems");
    auto items = s.find("items");
    if (items == s.end())
      return;
    for (size_t i = 0; i < v.size(); ++i) {
      where_.push_back({std::to_string(i), true});
      check(v[i], *items);
      where_.pop_back();
    }
  }

  void object(const json& v, const json& s) {
    count(v.size(), s, "minProperties", "maxProperties");
    if (auto r = s.find("required"); r != s.end())
      for (auto& key : *r)
        if (!v.contains(key.get<std::string>()))
          fail(schema_rule::required,
               "required key " + key.dump() + " is missing");
    auto props = s.find("properties");
    auto patterns = s.find("patternProperties");
    auto extra = s.find("additionalProperties");
    auto names = s.find("propertyNames");
    for (auto it = v.begin(); it != v.end(); ++it) {
      auto& key = it.key();
      where_.push_back({key, false});
      bool matched = false;
      if (props != s.end() && props->contains(key)) {
        matched = true;
        check(it.value(), (*props)[key]);
      }
      // Every pattern that matches applies, not only the first.
      if (patterns != s.end())
        for (auto p = patterns->begin(); p != patterns->end(); ++p) {
          auto* re = regex(p.key());
          if (re == nullptr) {
            fail(schema_rule::unchecked, "the schema's pattern is broken");
          } else if (pattern_matches(*re, key)) {
            matched = true;
            check(it.value(), p.value());
          }
        }
      if (!matched && extra != s.end()) {
        if (extra->is_boolean()) {
          if (!extra->get<bool>())
            fail(schema_rule::unknown_key, "additionalProperties is false");
        } else {
          check(it.value(), *extra);
        }
      }
      if (names != s.end() && !holds(json(key), *names))
        fail(schema_rule::property_name, "propertyNames refuses this key");
      where_.pop_back();
    }
  }

  /// `pattern` compiled once per check (ECMAScript, as JSON Schema's);
  /// null when std::regex refuses it.
  const std::regex* regex(const std::string& pattern) {
    auto it = regexes_.find(pattern);
    if (it == regexes_.end()) {
      std::unique_ptr<std::regex> re;
      try {
        re = std::make_unique<std::regex>(pattern, std::regex::ECMAScript);
      } catch (const std::regex_error&) {
      }
      it = regexes_.emplace(pattern, std::move(re)).first;
    }
    return it->second.get();
  }

  const json& root_;
  std::vector<schema_finding>* out_;
  std::vector<schema_step> where_;
  size_t calls_ = 0;
  std::map<std::string, std::unique_ptr<std::regex>> regexes_;
};

// -- what the evaluator knows ----------------------------------------------

std::string pointer_step(const std::string& key) {
  std::string out;
  for (char c : key)
    out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return "/" + out;
}

bool is_count(const json& v) {
  return v.is_number_unsigned();
}

bool is_number(const json& v) {
  return v.is_number();
}

bool is_step(const json& v) {
  return v.is_number() && v.get<double>() > 0;
}

bool is_text(const json& v) {
  return v.is_string();
}

bool is_list(const json& v) {
  return v.is_array();
}

bool is_names(const json& v) {
  return v.is_array() && std::all_of(v.begin(), v.end(), is_text);
}

bool is_type(const json& v) {
  static const std::vector<std::string> names{
      "null", "boolean", "object", "array", "number", "string", "integer"};
  auto known = [](const json& t) {
    return t.is_string()
           && std::find(names.begin(), names.end(), t.get<std::string>())
                  != names.end();
  };
  return known(v) || (is_list(v) && std::all_of(v.begin(), v.end(), known));
}

/// The keywords that take a plain value, with the kind it must be (the
/// evaluator reads them with get<>() and would throw on another kind).
const std::map<std::string, bool (*)(const json&)>& value_keywords() {
  static const std::map<std::string, bool (*)(const json&)> table{
      {"type", is_type},           {"enum", is_list},
      {"minimum", is_number},      {"exclusiveMinimum", is_number},
      {"maximum", is_number},      {"multipleOf", is_step},
      {"required", is_names},      {"minItems", is_count},
      {"maxItems", is_count},      {"minProperties", is_count},
      {"maxProperties", is_count}, {"pattern", is_text}};
  return table;
}

bool compiles(const std::string& pattern) {
  try {
    std::regex{pattern, std::regex::ECMAScript};
    return true;
  } catch (const std::regex_error&) {
    return false;
  }
}

void audit(const json& root, const json& s, const std::string& at,
           std::vector<std::string>& out) {
  if (!s.is_object()) {
    out.push_back(at);
    return;
  }
  bool ref = s.contains("$ref");
  for (auto it = s.begin(); it != s.end(); ++it) {
    auto& k = it.key();
    auto& v = it.value();
    auto here = at + pointer_step(k);
    auto keyword = value_keywords().find(k);
    if (is_annotation(k))
      continue;
    if (ref && k != "$ref")
      out.push_back(here);
    else if (k == "$ref" && definition(root, v) == nullptr)
      out.push_back(here);
    else if (k == "$ref")
      continue;
    else if (keyword != value_keywords().end()) {
      if (!keyword->second(v)
          || (k == "pattern" && !compiles(v.get<std::string>())))
        out.push_back(here);
    } else if ((k == "properties" || k == "patternProperties"
                || (k == "definitions" && at.empty()))
               && v.is_object()) {
      for (auto sub = v.begin(); sub != v.end(); ++sub)
        if (k == "patternProperties" && !compiles(sub.key()))
          out.push_back(here + pointer_step(sub.key()));
        else
          audit(root, sub.value(), here + pointer_step(sub.key()), out);
    } else if (k == "anyOf" && v.is_array() && !v.empty()) {
      for (size_t i = 0; i < v.size(); ++i)
        audit(root, v[i], here + "/" + std::to_string(i), out);
    } else if (k == "items" || k == "propertyNames" || k == "if" || k == "then"
               || k == "else"
               || (k == "additionalProperties" && !v.is_boolean())) {
      audit(root, v, here, out);
    } else if (k != "additionalProperties") {
      out.push_back(here);
    }
  }
}

} // namespace

const nlohmann::ordered_json& config_schema() {
  static const auto schema
      = nlohmann::ordered_json::parse(config_schema_text());
  return schema;
}

const nlohmann::ordered_json&
schema_resolve(const nlohmann::ordered_json& node) {
  const auto* n = &node;
  for (int hops = 0; hops < 8 && n->is_object() && n->contains("$ref");
       ++hops) {
    auto* target = definition(config_schema(), (*n)["$ref"]);
    if (target == nullptr)
      break;
    n = target;
  }
  return *n;
}

std::vector<schema_finding>
check_against_schema(const nlohmann::ordered_json& doc) {
  return check_against_schema(doc, config_schema());
}

std::vector<schema_finding>
check_against_schema(const nlohmann::ordered_json& doc,
                     const nlohmann::ordered_json& schema) {
  std::vector<schema_finding> out;
  evaluator{schema, out}.check(doc, schema);
  return out;
}

std::vector<std::string>
schema_unsupported(const nlohmann::ordered_json& schema) {
  std::vector<std::string> out;
  audit(schema, schema, "", out);
  return out;
}

bool pattern_matches(const std::regex& re, const std::string& text) {
  return text.size() <= max_pattern_text && std::regex_search(text, re);
}

} // namespace ba
