// libFuzzer target for the config loader: whatever bytes a config file
// holds, parse_config must return a report (never crash, hang or throw),
// and a report without errors must come with a usable config.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "main/config_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto rep = ba::parse_config(text, "fuzz.json");
  // Every message names its origin; a valid config names a service.
  for (auto& e : rep.errors)
    if (e.compare(0, 10, "fuzz.json:") != 0)
      std::abort();
  if (rep.ok() && rep.cfg.service_name.empty())
    std::abort();
  return 0;
}
