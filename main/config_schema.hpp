#pragma once

// The structural half of config validation: the JSON Schema shipped as
// config/battery-aggregator.schema.json, embedded in the binary at build
// time and applied with valijson (a Debian package). The schema says which
// keys exist, their types, ranges and closed sets; the config loader keeps
// what a schema cannot say (near-miss suggestions, names, paths, roles,
// cycles, hook references) and words every finding in its own style.

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

/// What a schema finding is about, from the valijson message.
enum class schema_rule {
  type,        ///< the value's type is not allowed
  enumeration, ///< not one of `enum`
  range,       ///< outside minimum/exclusiveMinimum/maximum
  multiple_of, ///< not a multiple of `multipleOf`
  count,       ///< too few or too many items or keys
  required,    ///< a `required` key is missing
  any_of,      ///< no branch of an `anyOf` holds
  unknown_key, ///< a key `additionalProperties: false` refuses
  aggregate,   ///< "a part failed": the part has its own finding
  other,       ///< anything else (reported in valijson's words)
};

/// One step of a location: an object key or a list index.
struct schema_step {
  std::string key;
  bool index = false;
};

struct schema_finding {
  std::vector<schema_step> where;
  schema_rule rule = schema_rule::other;
  std::string text; ///< valijson's own message
};

/// The findings of the schema for `doc`, in valijson's order. `doc` must be
/// an object nested at most `max_config_depth` levels (the conversion and
/// the validator recurse).
std::vector<schema_finding>
check_against_schema(const nlohmann::ordered_json& doc);

/// The deepest nesting a config may have; a valid one has 6 levels.
constexpr size_t max_config_depth = 32;

} // namespace ba
