#pragma once

// The structural half of config validation: the JSON Schema shipped as
// config/battery-aggregator.schema.json, embedded in the binary at build
// time and applied by a small evaluator of our own (the draft-07 keywords
// that schema uses, nothing more). The schema says which keys exist, their
// types, ranges and closed sets; the config loader keeps what a schema
// cannot say (near-miss suggestions, names, paths, roles, cycles, hook
// references) and words every finding in its own style.

#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ba {

/// The schema file's text, byte for byte (generated from the file).
const std::string& config_schema_text();

/// The schema parsed with its keys in file order, for the loader's words
/// (`x-expected`, `x-unit`, ...) and its key lists.
const nlohmann::ordered_json& config_schema();

/// `node` with `$ref` ("#/definitions/<name>") followed.
const nlohmann::ordered_json&
schema_resolve(const nlohmann::ordered_json& node);

/// Which keyword a finding is about: the loader picks its words by this.
enum class schema_rule {
  type,          ///< `type`: the value's type is not allowed
  enumeration,   ///< `enum`: not one of the values
  range,         ///< `minimum`, `exclusiveMinimum` or `maximum`
  multiple_of,   ///< `multipleOf`
  count,         ///< `minItems`, `maxItems`, `minProperties`, `maxProperties`
  required,      ///< `required`: one finding per missing key, at the object
  any_of,        ///< `anyOf`: no branch holds (the branches' own findings
                 ///< are not reported)
  unknown_key,   ///< `additionalProperties: false`: at the refused key
  property_name, ///< `propertyNames`: at the key whose name it refuses
  pattern,       ///< `pattern`: a string the pattern does not match
  unchecked,     ///< not checked: nested past `max_config_depth`, or the
                 ///< schema is broken there (`schema_unsupported` finds it)
};

/// One step of a location: an object key or a list index.
struct schema_step {
  std::string key;
  bool index = false;
};

struct schema_finding {
  std::vector<schema_step> where;
  schema_rule rule = schema_rule::unchecked;
  std::string text; ///< the keyword and what failed, in plain words
};

/// The findings of the config schema for `doc`, parents before children,
/// an object's keys in `doc`'s order.
std::vector<schema_finding>
check_against_schema(const nlohmann::ordered_json& doc);

/// The same with another schema (`$ref` resolves in its `definitions`).
std::vector<schema_finding>
check_against_schema(const nlohmann::ordered_json& doc,
                     const nlohmann::ordered_json& schema);

/// The JSON Pointers of what in `schema` the evaluator would not apply as
/// written: an unknown keyword (it would be ignored silently), a keyword
/// beside `$ref` (draft-07 ignores those), a `$ref` not to
/// `#/definitions/<name>`, a keyword value of the wrong kind, a pattern
/// std::regex does not take. Empty for the shipped schema (a test says so).
std::vector<std::string>
schema_unsupported(const nlohmann::ordered_json& schema);

/// The deepest nesting a config may have; a valid one has 6 levels.
constexpr size_t max_config_depth = 32;

/// The longest text a schema pattern is tried on; a longer one never
/// matches. libstdc++'s std::regex recurses once per character: a key of
/// 200,000 characters exhausted the stack and crashed the program.
constexpr size_t max_pattern_text = 1024;

/// Whether `text` matches `re` (searched, as JSON Schema says), false for
/// a text longer than `max_pattern_text`.
bool pattern_matches(const std::regex& re, const std::string& text);

} // namespace ba
