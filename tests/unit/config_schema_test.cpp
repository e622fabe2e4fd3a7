#define CAF_SUITE config_schema
#include <caf/test/unit_test.hpp>

#include <string>
#include <vector>

#include "main/config_schema.hpp"

// The schema evaluator (main/config_schema.cpp) on its own: each keyword
// with a document that meets it and one that fails it, and the exact
// findings ("<JSON Pointer>: <rule>", "#" the document itself). The
// config_loader suite checks the words the loader makes of them.

using namespace ba;

namespace {

using json = nlohmann::ordered_json;
using strings = std::vector<std::string>;

const char* rule_name(schema_rule r) {
  switch (r) {
    case schema_rule::type:
      return "type";
    case schema_rule::enumeration:
      return "enumeration";
    case schema_rule::range:
      return "range";
    case schema_rule::multiple_of:
      return "multiple_of";
    case schema_rule::count:
      return "count";
    case schema_rule::required:
      return "required";
    case schema_rule::any_of:
      return "any_of";
    case schema_rule::unknown_key:
      return "unknown_key";
    case schema_rule::property_name:
      return "property_name";
    case schema_rule::pattern:
      return "pattern";
    case schema_rule::unchecked:
      return "unchecked";
  }
  return "?";
}

strings render(const std::vector<schema_finding>& findings) {
  strings out;
  for (auto& f : findings) {
    std::string at = "#";
    for (auto& s : f.where)
      at += "/" + s.key;
    out.push_back(at + ": " + rule_name(f.rule));
    // Every finding says in words what failed (the loader's fallback).
    CAF_CHECK(!f.text.empty());
  }
  return out;
}

strings check(const std::string& schema, const std::string& doc) {
  return render(check_against_schema(json::parse(doc), json::parse(schema)));
}

struct row {
  std::string name;
  std::string schema;
  std::string doc;
  strings findings;
};

void run(const std::vector<row>& rows) {
  for (auto& r : rows) {
    CAF_MESSAGE(r.name);
    CAF_CHECK_EQUAL(check(r.schema, r.doc), r.findings);
  }
}

/// `[[...[0]...]]`, `depth` lists deep.
std::string nested_lists(size_t depth) {
  return std::string(depth, '[') + "0" + std::string(depth, ']');
}

} // namespace

CAF_TEST(type) {
  run({
      {"a number", R"({"type": "number"})", "1.5", {}},
      {"an integer is a number", R"({"type": "number"})", "2", {}},
      {"a string is no number", R"({"type": "number"})", R"("1")", {"#: type"}},
      {"true is no number", R"({"type": "number"})", "true", {"#: type"}},
      {"one of a list", R"({"type": ["number", "null"]})", "null", {}},
      {"none of a list",
       R"({"type": ["number", "null"]})",
       "false",
       {"#: type"}},
      {"a whole float is an integer", R"({"type": "integer"})", "2.0", {}},
      {"a fraction is no integer",
       R"({"type": "integer"})",
       "2.5",
       {"#: type"}},
      {"the other types",
       R"({"type": ["object", "array", "string", "boolean"]})",
       "{}",
       {}},
      {"none of the other types",
       R"({"type": ["object", "array", "string", "boolean"]})",
       "null",
       {"#: type"}},
  });
}

CAF_TEST(enum) {
  run({
      {"listed", R"({"enum": ["a", "b"]})", R"("b")", {}},
      {"not listed", R"({"enum": ["a", "b"]})", R"("c")", {"#: enumeration"}},
      {"numbers compare by value", R"({"enum": [1]})", "1.0", {}},
      {"no conversion", R"({"enum": [1]})", R"("1")", {"#: enumeration"}},
  });
}

CAF_TEST(numbers) {
  run({
      {"at the minimum", R"({"minimum": 0})", "0", {}},
      {"below the minimum", R"({"minimum": 0})", "-0.5", {"#: range"}},
      {"above the exclusive minimum", R"({"exclusiveMinimum": 0})", "0.1", {}},
      {"at the exclusive minimum",
       R"({"exclusiveMinimum": 0})",
       "0",
       {"#: range"}},
      {"at the maximum", R"({"maximum": 10})", "10", {}},
      {"above the maximum", R"({"maximum": 10})", "10.5", {"#: range"}},
      {"both ends fail one at a time",
       R"({"minimum": 5, "maximum": 1})",
       "3",
       {"#: range", "#: range"}},
      {"a whole multiple", R"({"multipleOf": 1})", "3.0", {}},
      {"not a multiple", R"({"multipleOf": 1})", "2.5", {"#: multiple_of"}},
      {"a range and a step fail together",
       R"({"maximum": 10, "multipleOf": 1})",
       "10.5",
       {"#: range", "#: multiple_of"}},
      {"numeric keywords skip other types",
       R"({"minimum": 1, "maximum": 0, "multipleOf": 7})",
       R"("x")",
       {}},
  });
}

CAF_TEST(pattern) {
  run({
      {"matches", R"({"pattern": "^[0-9]+$"})", R"("12")", {}},
      {"does not match",
       R"({"pattern": "^[0-9]+$"})",
       R"("1x")",
       {"#: pattern"}},
      {"not anchored unless written so",
       R"({"pattern": "[0-9]"})",
       R"("a1b")",
       {}},
      {"skips other types", R"({"pattern": "^x$"})", "1", {}},
  });
}

CAF_TEST(a text longer than max_pattern_text matches no pattern) {
  std::regex any{".*"};
  CAF_CHECK(pattern_matches(any, std::string(max_pattern_text, 'a')));
  CAF_CHECK(!pattern_matches(any, std::string(max_pattern_text + 1, 'a')));
  // Tried on 200,000 characters, std::regex would exhaust the stack.
  auto schema = json::parse(
      R"({"patternProperties": {"^a+$": {}}, "additionalProperties": false})");
  json doc = json::object();
  doc[std::string(200000, 'a')] = 1;
  CAF_CHECK_EQUAL(check_against_schema(doc, schema).size(), 1u);
}

CAF_TEST(counts) {
  run({
      {"enough items", R"({"minItems": 1})", "[1]", {}},
      {"too few items", R"({"minItems": 1})", "[]", {"#: count"}},
      {"too many items", R"({"maxItems": 2})", "[1, 2, 3]", {"#: count"}},
      {"one key",
       R"({"minProperties": 1, "maxProperties": 1})",
       R"({"a": 1})",
       {}},
      {"no key", R"({"minProperties": 1})", "{}", {"#: count"}},
      {"two keys",
       R"({"maxProperties": 1})",
       R"({"a": 1, "b": 2})",
       {"#: count"}},
      {"item counts skip objects, key counts skip lists",
       R"({"minItems": 1, "maxProperties": 0})",
       "[1, 2]",
       {}},
  });
}

CAF_TEST(objects) {
  run({
      {"required keys there",
       R"({"required": ["a", "b"]})",
       R"({"a": 1, "b": 2})",
       {}},
      {"one finding per missing key, at the object",
       R"({"required": ["a", "b", "c"]})",
       R"({"b": 1})",
       {"#: required", "#: required"}},
      {"a property's schema",
       R"({"properties": {"a": {"type": "string"}}})",
       R"({"a": 1, "b": 2})",
       {"#/a: type"}},
      {"additionalProperties false, at the key",
       R"({"properties": {"a": {}}, "additionalProperties": false})",
       R"({"a": 1, "b": 2, "c": 3})",
       {"#/b: unknown_key", "#/c: unknown_key"}},
      {"additionalProperties true",
       R"({"additionalProperties": true})",
       R"({"b": 2})",
       {}},
      {"additionalProperties as a schema",
       R"({"properties": {"a": {}}, "additionalProperties": {"type": "number"}})",
       R"({"a": "x", "b": 1, "c": "y"})",
       {"#/c: type"}},
      {"a pattern's schema",
       R"({"patternProperties": {"^n": {"type": "number"}}})",
       R"({"n1": 1, "n2": "x", "s": "y"})",
       {"#/n2: type"}},
      // All of them, as the spec says, not only the first that matched.
      {"every matching pattern applies",
       R"({"patternProperties": {"^a": {"type": "number"}, "b$": {"minimum": 5}}})",
       R"({"ab": 3, "a": 1, "xb": 7})",
       {"#/ab: range"}},
      {"a key a pattern matched is no additional property",
       R"({"patternProperties": {"^a": {}, "^b": {}}, "additionalProperties": false})",
       R"({"a1": 1, "b1": 2, "c1": 3})",
       {"#/c1: unknown_key"}},
      {"property names",
       R"({"propertyNames": {"pattern": "^[0-9]+$"}})",
       R"({"12": 1, "x": 2})",
       {"#/x: property_name"}},
      {"object keywords skip other types",
       R"({"required": ["a"], "additionalProperties": false})",
       "[1]",
       {}},
  });
}

CAF_TEST(items) {
  run({
      {"every item", R"({"items": {"type": "string"}})", R"(["a", "b"])", {}},
      {"the failing item, by index",
       R"({"items": {"type": "string"}})",
       R"(["a", 1, "c", 2])",
       {"#/1: type", "#/3: type"}},
      {"nested locations",
       R"({"properties": {"l": {"items": {"properties": {"k": {"maximum": 1}}}}}})",
       R"({"l": [{"k": 1}, {"k": 2}]})",
       {"#/l/1/k: range"}},
  });
}

CAF_TEST(anyOf) {
  auto schema = R"({"anyOf": [{"required": ["a"]}, {"required": ["b"]}]})";
  run({
      {"one branch holds", schema, R"({"b": 1})", {}},
      {"both hold", schema, R"({"a": 1, "b": 1})", {}},
      {"none holds: one finding, not the branches'",
       schema,
       "{}",
       {"#: any_of"}},
  });
}

CAF_TEST(if then else) {
  auto schema = R"({"if": {"type": "object"}, "then": {"required": ["a"]},
                    "else": {"items": {"type": "number"}}})";
  run({
      {"if holds, then holds", schema, R"({"a": 1})", {}},
      {"if holds, then fails", schema, "{}", {"#: required"}},
      {"if fails, else holds", schema, "[1]", {}},
      {"if fails, else fails", schema, R"(["x"])", {"#/0: type"}},
      {"the if's own failure is no finding",
       R"({"if": {"type": "object"}})",
       "1",
       {}},
  });
}

CAF_TEST(ref and annotations) {
  run({
      {"a definition",
       R"({"definitions": {"n": {"type": "number"}},
           "properties": {"a": {"$ref": "#/definitions/n"}}})",
       R"({"a": "x"})",
       {"#/a: type"}},
      {"a chain of definitions",
       R"({"definitions": {"m": {"$ref": "#/definitions/n"},
                           "n": {"maximum": 1}},
           "items": {"$ref": "#/definitions/m"}})",
       "[0, 2]",
       {"#/1: range"}},
      {"keywords beside $ref are ignored (draft-07)",
       R"({"definitions": {"n": {}},
           "properties": {"a": {"$ref": "#/definitions/n", "type": "string"}}})",
       R"({"a": 1})",
       {}},
      {"annotations",
       R"({"$schema": "http://json-schema.org/draft-07/schema#", "$id": "x",
           "title": "t", "description": "d", "default": 1, "examples": [2],
           "x-expected": "e", "x-unit": "u"})",
       "[]",
       {}},
      {"a $ref elsewhere",
       R"({"$ref": "other.json#/definitions/n"})",
       "1",
       {"#: unchecked"}},
      {"a $ref to no definition",
       R"({"definitions": {}, "$ref": "#/definitions/n"})",
       "1",
       {"#: unchecked"}},
      {"a $ref loop",
       R"({"definitions": {"a": {"$ref": "#/definitions/b"},
                           "b": {"$ref": "#/definitions/a"}},
           "$ref": "#/definitions/a"})",
       "1",
       {"#: unchecked"}},
      {"a loop through anyOf that never descends",
       R"({"definitions": {"a": {"anyOf": [{"$ref": "#/definitions/a"}]}},
           "$ref": "#/definitions/a"})",
       "1",
       {"#: unchecked", "#: any_of"}},
      {"a broken pattern", R"({"pattern": "("})", R"("x")", {"#: unchecked"}},
  });
}

CAF_TEST(no recursion past max_config_depth) {
  auto schema
      = R"({"definitions": {"l": {"items": {"$ref": "#/definitions/l"}}},
                    "$ref": "#/definitions/l"})";
  CAF_CHECK_EQUAL(check(schema, nested_lists(max_config_depth)), strings{});
  std::string at = "#";
  for (size_t i = 0; i <= max_config_depth; ++i)
    at += "/0";
  CAF_CHECK_EQUAL(check(schema, nested_lists(max_config_depth + 8)),
                  strings{at + ": unchecked"});
}

CAF_TEST(the shipped schema uses only keywords the evaluator applies) {
  // A keyword the evaluator does not know would be ignored without a word:
  // this fails with its JSON Pointer instead.
  CAF_CHECK_EQUAL(schema_unsupported(config_schema()), strings{});
}

CAF_TEST(what the evaluator would not apply is found) {
  auto schema = json::parse(R"({
    "definitions": {"n": {"type": "number"}},
    "properties": {
      "one": {"oneOf": [{}]},
      "beside": {"$ref": "#/definitions/n", "type": "string", "x-unit": "V"},
      "away": {"$ref": "other.json#/definitions/n"},
      "a/b~c": {"not": {}},
      "count": {"minItems": -1, "maxItems": 1.5},
      "text": {"pattern": "(", "type": "text"},
      "step": {"multipleOf": 0},
      "list": {"items": [{"type": "number"}], "required": [1]},
      "nested": {"definitions": {}},
      "sub": {"anyOf": [{"if": {"format": "date"}}]}
    },
    "patternProperties": {"(": {}, "^ok$": {"const": 1}},
    "additionalProperties": {"uniqueItems": true}
  })");
  CAF_CHECK_EQUAL(
      schema_unsupported(schema),
      (strings{"/properties/one/oneOf", "/properties/beside/type",
               "/properties/away/$ref", "/properties/a~1b~0c/not",
               "/properties/count/minItems", "/properties/count/maxItems",
               "/properties/text/pattern", "/properties/text/type",
               "/properties/step/multipleOf", "/properties/list/items",
               "/properties/list/required", "/properties/nested/definitions",
               "/properties/sub/anyOf/0/if/format", "/patternProperties/(",
               "/patternProperties/^ok$/const",
               "/additionalProperties/uniqueItems"}));
}

CAF_TEST(hook keys of the shipped schema) {
  // Both patterns apply to the keys they match; a tag is letters, digits,
  // _ and - (the loader words the refusal).
  auto f = render(check_against_schema(json::parse(R"({"classes": {
    "hooks.FixedValueHook#soh": {"path": "/Soh", "value": 100},
    "hooks.TemperatureChargingHook": {"ccls": {"5": 50}},
    "hooks.FixedValueHook#a b": {"path": "/Soh", "value": 1},
    "hooks.CustomChargingHook#": {"dcls": {"x": 1}}
  }})")));
  CAF_CHECK_EQUAL(f, (strings{"#/classes/hooks.FixedValueHook#a b: unknown_key",
                              "#/classes/hooks.CustomChargingHook#: "
                              "unknown_key"}));
}
