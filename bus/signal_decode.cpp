#include "bus/signal_decode.hpp"

#include <sdbus-c++/Error.h>
#include <sdbus-c++/Types.h>

#include "bus/value_conversion.hpp"

// Defined and exported by libsdbus-c++ 1.2.0 (src/Message.cpp, used by
// sdbus::Variant's default constructor) but declared in no installed header.
namespace sdbus {
PlainMessage createPlainMessage();
} // namespace sdbus

namespace ba {

namespace {

// Rewinds to the start of the body and tells whether its first argument is
// an array with element signature `element`, without consuming it. Checking
// first keeps a mismatch out of sdbus-c++'s deserialisers: they throw in
// the middle of a container and leave the read cursor inside it.
bool body_is_array_of(sdbus::Message& msg, const char* element) {
  msg.rewind(true); // throws on an unsealed message: the caller catches
  msg.clearFlags();
  std::string type;
  std::string contents;
  msg.peekType(type, contents);
  return type == "a" && contents == element;
}

void set(bool* flag, bool x) {
  if (flag)
    *flag = x;
}

} // namespace

value_map decode_items_changed(sdbus::Message& msg,
                               std::vector<std::string>* odd_paths,
                               bool* bad_signature) {
  set(bad_signature, false);
  items_dict items;
  try {
    if (!body_is_array_of(msg, "{sa{sv}}")) {
      set(bad_signature, true);
      return {};
    }
    msg >> items;
  } catch (...) {
    // sdbus::Error from sd-bus, or std::bad_alloc: nothing of the body is
    // trusted then, not even the entries read before the failure.
    set(bad_signature, true);
    return {};
  }
  value_map values;
  for (auto& [path, dict] : items) {
    auto v = dict.find("Value");
    if (v == dict.end())
      continue;
    bool odd = false;
    value x;
    try {
      x = from_variant(v->second, &odd);
    } catch (...) {
      // from_variant catches sdbus errors itself; anything else escaping it
      // still makes only this one value unusable.
      x = value::invalid();
      odd = true;
    }
    if (odd && odd_paths)
      odd_paths->push_back(path);
    values.emplace(path, std::move(x));
  }
  return values;
}

caf::optional<value> decode_properties_changed(sdbus::Message& msg, bool* odd,
                                               bool* bad_signature) {
  set(odd, false);
  set(bad_signature, false);
  item_dict dict;
  try {
    if (!body_is_array_of(msg, "{sv}")) {
      set(bad_signature, true);
      return caf::none;
    }
    msg >> dict;
  } catch (...) {
    set(bad_signature, true);
    return caf::none;
  }
  auto v = dict.find("Value");
  if (v == dict.end())
    return caf::none;
  try {
    return from_variant(v->second, odd);
  } catch (...) {
    set(odd, true);
    return value::invalid();
  }
}

sdbus::PlainMessage new_plain_message() {
  return sdbus::createPlainMessage();
}

} // namespace ba
