#include "tests/integration/conformance_checks.hpp"

#include <caf/test/unit_test.hpp>

namespace ba::test {

const std::vector<std::string>& mandatory_paths() {
  static const std::vector<std::string> paths{"/Mgmt/ProcessName",
                                              "/Mgmt/ProcessVersion",
                                              "/Mgmt/Connection",
                                              "/DeviceInstance",
                                              "/ProductId",
                                              "/ProductName",
                                              "/FirmwareVersion",
                                              "/HardwareVersion",
                                              "/Connected",
                                              "/CustomName",
                                              "/Serial"};
  return paths;
}

std::set<std::string> stable_paths(const item_map& x, const item_map& y) {
  std::set<std::string> result;
  for (const auto& [path, entry] : x) {
    auto i = y.find(path);
    if (i != y.end() && i->second == entry)
      result.insert(path);
  }
  return result;
}

void check_probe(const std::optional<items_probe>& probe,
                 const std::string& service) {
  CAF_MESSAGE("items probe of " << service);
  BA_REQUIRE(probe.has_value());
  CAF_MESSAGE("GetItems answered "
              << ms_between(probe->owner_at, probe->reply_at)
              << " ms after NameOwnerChanged");
  BA_REQUIRE_EQUAL(probe->error, "");
  CAF_CHECK_EQUAL(probe->signature, "a{sa{sv}}");
  for (const auto& path : mandatory_paths()) {
    CAF_CHECK_EQUAL(probe->items.count(path), 1u);
    if (probe->items.count(path) == 0)
      CAF_MESSAGE("missing mandatory path " << path);
  }
  auto i = probe->items.find("/DeviceInstance");
  if (i == probe->items.end())
    return;
  CAF_CHECK_EQUAL(i->second.first.signature, "i");
  CAF_CHECK(i->second.first.valid());
}

root_dicts check_root_dicts(bus_client& c, const std::string& service) {
  CAF_CHECK_EQUAL(c.reply_signature(service, "/", "GetValue"), "v");
  CAF_CHECK_EQUAL(c.reply_variant_signature(service, "/", "GetValue"), "a{sv}");
  CAF_CHECK_EQUAL(c.reply_signature(service, "/", "GetText"), "v");
  CAF_CHECK_EQUAL(c.reply_variant_signature(service, "/", "GetText"), "a{ss}");
  auto before = c.get_items(service);
  auto root_values = c.get_root_value(service);
  auto root_texts = c.get_root_text(service);
  root_dicts result;
  result.after = c.get_items(service);
  result.stable = stable_paths(before, result.after);
  // Same key set as GetItems, without the leading slash.
  std::set<std::string> expected_keys;
  for (const auto& [path, entry] : result.after)
    expected_keys.insert(path.substr(1));
  std::set<std::string> value_keys;
  for (const auto& [key, value] : root_values)
    value_keys.insert(key);
  std::set<std::string> text_keys;
  for (const auto& [key, text] : root_texts)
    text_keys.insert(key);
  CAF_CHECK(value_keys == expected_keys);
  CAF_CHECK(text_keys == expected_keys);
  for (const auto& [key, value] : root_values) {
    CAF_CHECK(!key.empty() && key.front() != '/');
    auto path = "/" + key;
    if (result.stable.count(path) == 0)
      continue;
    CAF_CHECK_EQUAL(value, result.after[path].first);
    CAF_CHECK_EQUAL(wire_value::str(root_texts[key]),
                    result.after[path].second);
  }
  // An intermediate node: keys relative to the node.
  auto dc = c.get_root_value(service, "/Dc");
  CAF_CHECK_EQUAL(dc.count("0/Voltage"), 1u);
  CAF_CHECK_EQUAL(dc.count("/Dc/0/Voltage"), 0u);
  return result;
}

} // namespace ba::test
