#include "main/config_schema.hpp"

#include <memory>
#include <stdexcept>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace ba {

namespace {

/// The parsed schema for valijson (its adapter takes nlohmann::json).
const valijson::Schema& compiled() {
  static const auto schema = [] {
    auto doc = nlohmann::json::parse(config_schema_text());
    auto out = std::make_unique<valijson::Schema>();
    valijson::SchemaParser parser{valijson::SchemaParser::kDraft7};
    valijson::adapters::NlohmannJsonAdapter adapter{doc};
    parser.populateSchema(adapter, *out);
    return out;
  }();
  return *schema;
}

bool starts_with(const std::string& s, const char* prefix) {
  return s.compare(0, std::char_traits<char>::length(prefix), prefix) == 0;
}

/// valijson 1.0 tells the rule only in its message: these prefixes are its
/// own constants (validation_visitor.hpp); the bad-config tests pin them.
schema_rule rule_of(const std::string& text) {
  if (starts_with(text, "Value type not permitted"))
    return schema_rule::type;
  if (starts_with(text, "Failed to match against any enum"))
    return schema_rule::enumeration;
  if (starts_with(text, "Expected number "))
    return schema_rule::range;
  if (starts_with(text, "Value should be a multiple of"))
    return schema_rule::multiple_of;
  if (starts_with(text, "Array should contain no ")
      || starts_with(text, "Object should have no "))
    return schema_rule::count;
  if (starts_with(text, "Missing required property"))
    return schema_rule::required;
  if (starts_with(text, "Failed to validate against any schemas allowed by "
                        "anyOf"))
    return schema_rule::any_of;
  if (starts_with(text, "Object contains a property that could not be "
                        "validated"))
    return schema_rule::unknown_key;
  if (starts_with(text, "Failed to validate item #")
      || starts_with(text, "Failed to validate against schema associated")
      || starts_with(text, "Failed to validate against additional properties")
      || starts_with(text, "Failed to validate against a conditional schema")
      || starts_with(text, "Failed to validate against child schema"))
    return schema_rule::aggregate;
  return schema_rule::other;
}

/// valijson's context ("<root>", "[key]", "[0]") as steps: whether "[0]"
/// is an index or a key follows from the document itself.
std::vector<schema_step> steps_of(const std::vector<std::string>& context,
                                  const nlohmann::ordered_json& doc) {
  std::vector<schema_step> out;
  const nlohmann::ordered_json* node = &doc;
  for (size_t i = 1; i < context.size(); ++i) {
    auto& c = context[i];
    auto key = c.size() >= 2 ? c.substr(1, c.size() - 2) : c;
    if (node == nullptr) {
      out.push_back({key, false});
    } else if (node->is_array()) {
      out.push_back({key, true});
      auto n = std::stoul(key);
      node = n < node->size() ? &(*node)[n] : nullptr;
    } else {
      out.push_back({key, false});
      auto it = node->find(key);
      node = it != node->end() ? &*it : nullptr;
    }
  }
  return out;
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
  const std::string prefix = "#/definitions/";
  for (int hops = 0; hops < 8 && n->is_object() && n->contains("$ref");
       ++hops) {
    auto ref = (*n)["$ref"].get<std::string>();
    if (ref.compare(0, prefix.size(), prefix) != 0)
      break;
    n = &config_schema()["definitions"][ref.substr(prefix.size())];
  }
  return *n;
}

std::vector<schema_finding>
check_against_schema(const nlohmann::ordered_json& doc) {
  std::vector<schema_finding> out;
  // valijson's adapter reads nlohmann::json (keys sorted); the findings'
  // order does not matter, the loader reports in file order.
  nlohmann::json plain = doc;
  valijson::Validator validator{valijson::Validator::kStrongTypes};
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target{plain};
  try {
    validator.validate(compiled(), target, &results);
  } catch (const std::exception& e) {
    out.push_back({{},
                   schema_rule::other,
                   std::string{"the schema check failed: "} + e.what()});
    return out;
  }
  for (auto& e : results) {
    schema_finding f{steps_of(e.context, doc), rule_of(e.description),
                     e.description};
    // An unknown key is reported at the object; the key ends the message
    // ("...constraints: 'key'.") and is where the loader reports it.
    auto open = e.description.find("constraints: '");
    if (f.rule == schema_rule::unknown_key && open != std::string::npos
        && e.description.size() >= open + 16)
      f.where.push_back(
          {e.description.substr(open + 14, e.description.size() - open - 16),
           false});
    out.push_back(std::move(f));
  }
  return out;
}

} // namespace ba
