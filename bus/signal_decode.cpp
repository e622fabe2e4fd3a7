#include "bus/signal_decode.hpp"

#include <cstdint>
#include <cstring>
#include <limits>

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

// The D-Bus basic types a Venus value may arrive as.
bool is_value_type(const std::string& sig) {
  return sig.size() == 1 && std::strchr("dyniquxtbs", sig[0]) != nullptr;
}

template <class T>
T read_basic(sdbus::Message& msg) {
  T x{};
  msg >> x;
  return x;
}

// Reads the variant at the cursor straight from the message: no
// sdbus::Variant temporary, which is a message of its own that reading and
// copying cost about a fifth of the aggregator's instructions
// (bench/RESULTS.md). Types that are no Venus value type go the generic
// way (rare: mostly the empty array that means invalid).
value read_variant(sdbus::Message& msg, bool* odd) {
  std::string type;
  std::string contents;
  msg.peekType(type, contents);
  if (type != "v" || !is_value_type(contents)) {
    sdbus::Variant v;
    msg >> v;
    return from_variant(v, odd);
  }
  set(odd, false);
  msg.enterVariant(contents);
  value x;
  switch (contents[0]) {
    case 'd':
      x = value::real(read_basic<double>(msg));
      break;
    case 'y':
      x = value::integer(read_basic<uint8_t>(msg));
      break;
    case 'n':
      x = value::integer(read_basic<int16_t>(msg));
      break;
    case 'q':
      x = value::integer(read_basic<uint16_t>(msg));
      break;
    case 'i':
      x = value::integer(read_basic<int32_t>(msg));
      break;
    case 'u':
      x = value::integer(read_basic<uint32_t>(msg));
      break;
    case 'x':
      x = value::integer(read_basic<int64_t>(msg));
      break;
    case 't': {
      auto n = read_basic<uint64_t>(msg);
      if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        x = value::real(static_cast<double>(n));
      else
        x = value::integer(static_cast<int64_t>(n));
      break;
    }
    case 'b':
      x = value::integer(read_basic<bool>(msg) ? 1 : 0);
      break;
    default: { // 's'
      auto* str = read_basic<char*>(msg);
      x = value::text(str != nullptr ? str : "");
      break;
    }
  }
  msg.exitVariant();
  return x;
}

// Reads one `{sv}` dict (the cursor at the array) and returns its "Value"
// (the first one), or none without one. Other keys (Text, Min, Max...) are
// read and dropped: the message has no way to skip an item.
caf::optional<value> read_value_entry(sdbus::Message& msg, bool* odd) {
  set(odd, false);
  caf::optional<value> result;
  msg.enterContainer("{sv}");
  char* key = nullptr;
  while (msg.enterDictEntry("sv")) {
    msg >> key;
    bool is_odd = false;
    if (!result && key != nullptr && std::strcmp(key, "Value") == 0) {
      result = read_variant(msg, &is_odd);
      set(odd, is_odd);
    } else {
      read_variant(msg, nullptr);
    }
    msg.exitDictEntry();
  }
  msg.clearFlags();
  msg.exitContainer();
  return result;
}

} // namespace

value_map decode_items_changed(sdbus::Message& msg,
                               std::vector<std::string>* odd_paths,
                               bool* bad_signature) {
  set(bad_signature, false);
  value_map values;
  std::vector<std::string> odd;
  try {
    if (!body_is_array_of(msg, "{sa{sv}}")) {
      set(bad_signature, true);
      return {};
    }
    msg.enterContainer("{sa{sv}}");
    std::string path;
    while (msg.enterDictEntry("sa{sv}")) {
      msg >> path;
      bool is_odd = false;
      auto x = read_value_entry(msg, &is_odd);
      msg.exitDictEntry();
      if (!x)
        continue;
      // The first entry of a path wins, as in a dict read into a map.
      if (values.emplace(path, std::move(*x)).second && is_odd)
        odd.push_back(path);
    }
    msg.clearFlags();
    msg.exitContainer();
  } catch (...) {
    // sdbus::Error from sd-bus, or std::bad_alloc: nothing of the body is
    // trusted then, not even the entries read before the failure.
    set(bad_signature, true);
    return {};
  }
  if (odd_paths)
    for (auto& p : odd)
      odd_paths->push_back(std::move(p));
  return values;
}

caf::optional<value> decode_properties_changed(sdbus::Message& msg, bool* odd,
                                               bool* bad_signature) {
  set(odd, false);
  set(bad_signature, false);
  try {
    if (!body_is_array_of(msg, "{sv}")) {
      set(bad_signature, true);
      return caf::none;
    }
    return read_value_entry(msg, odd);
  } catch (...) {
    set(odd, false);
    set(bad_signature, true);
    return caf::none;
  }
}

sdbus::PlainMessage new_plain_message() {
  return sdbus::createPlainMessage();
}

} // namespace ba
