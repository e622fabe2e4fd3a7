#include "bus/signal_decode.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>

#include <sdbus-c++/Types.h>
#include <systemd/sd-bus.h>

#include "bus/raw_message.hpp"

// Defined and exported by libsdbus-c++ 1.2.0 (src/Message.cpp, used by
// sdbus::Variant's default constructor) but declared in no installed header.
namespace sdbus {
PlainMessage createPlainMessage();
} // namespace sdbus

namespace ba {

namespace {

void set(bool* flag, bool x) {
  if (flag)
    *flag = x;
}

// Reads a basic value of wire type `type` (read into a T) as `make` turns
// it into a value.
template <class T, class Make>
int read_as(sd_bus_message* m, char type, value& out, Make make) {
  T x{};
  int r = sd_bus_message_read_basic(m, type, &x);
  if (r >= 0)
    out = make(x);
  return r;
}

template <class T>
int read_integer(sd_bus_message* m, char type, value& out) {
  return read_as<T>(m, type, out, [](T x) {
    return value::integer(static_cast<int64_t>(x));
  });
}

// Reads the variant at the cursor into `out` as `from_variant` would: every
// numeric wire type a number, `s` a text; any array invalid (an empty
// `ai`, `au` or `av` is the Venus marker of invalid; other arrays and
// every other type are odd). Returns < 0 on a malformed body.
int read_variant(sd_bus_message* m, value& out, bool* odd) {
  set(odd, false);
  char type = 0;
  const char* contents = nullptr;
  int r = sd_bus_message_peek_type(m, &type, &contents);
  if (r <= 0 || type != 'v' || contents == nullptr)
    return r < 0 ? r : -EBADMSG;
  if ((r = sd_bus_message_enter_container(m, 'v', contents)) < 0)
    return r;
  out = value::invalid();
  if (contents[0] != 0 && contents[1] == 0) {
    switch (contents[0]) {
      case 'd':
        r = read_as<double>(m, 'd', out, value::real);
        break;
      case 'y':
        r = read_integer<uint8_t>(m, 'y', out);
        break;
      case 'n':
        r = read_integer<int16_t>(m, 'n', out);
        break;
      case 'q':
        r = read_integer<uint16_t>(m, 'q', out);
        break;
      case 'i':
        r = read_integer<int32_t>(m, 'i', out);
        break;
      case 'u':
        r = read_integer<uint32_t>(m, 'u', out);
        break;
      case 'x':
        r = read_integer<int64_t>(m, 'x', out);
        break;
      case 't':
        // Beyond int64: as a real rather than wrapped to a negative.
        r = read_as<uint64_t>(m, 't', out, [](uint64_t x) {
          return x > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                     ? value::real(static_cast<double>(x))
                     : value::integer(static_cast<int64_t>(x));
        });
        break;
      case 'b':
        // sd-bus reads a boolean into an int.
        r = read_as<int>(m, 'b', out,
                         [](int x) { return value::integer(x != 0 ? 1 : 0); });
        break;
      case 's':
        r = read_as<const char*>(m, 's', out, [](const char* x) {
          return value::text(x != nullptr ? x : "");
        });
        break;
      default:
        set(odd, true);
        r = sd_bus_message_skip(m, contents);
        break;
    }
  } else if (std::strcmp(contents, "ai") == 0) {
    const void* items = nullptr;
    size_t bytes = 0;
    r = sd_bus_message_read_array(m, 'i', &items, &bytes);
    set(odd, bytes != 0);
  } else {
    set(odd, !(std::strcmp(contents, "au") == 0
               || std::strcmp(contents, "av") == 0));
    r = sd_bus_message_skip(m, contents);
  }
  if (r < 0)
    return r;
  return sd_bus_message_exit_container(m);
}

// Reads one `{sv}` dict (the cursor at the array): its first "Value" into
// `out` (`found` set), the other keys (Text, Min, Max...) skipped.
int read_value_entry(sd_bus_message* m, value& out, bool& found, bool* odd) {
  set(odd, false);
  found = false;
  int r = sd_bus_message_enter_container(m, 'a', "{sv}");
  if (r <= 0)
    return r < 0 ? r : -EBADMSG;
  while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
    const char* key = nullptr;
    if ((r = sd_bus_message_read_basic(m, 's', &key)) < 0)
      return r;
    if (!found && key != nullptr && std::strcmp(key, "Value") == 0) {
      found = true;
      r = read_variant(m, out, odd);
    } else {
      r = sd_bus_message_skip(m, "v");
    }
    if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0)
      return r;
  }
  if (r < 0)
    return r;
  return sd_bus_message_exit_container(m);
}

// Rewinds to the start of the body and tells whether its first argument is
// an array with element signature `element`, without consuming it.
bool body_is_array_of(sd_bus_message* m, const char* element) {
  if (m == nullptr || sd_bus_message_rewind(m, 1) < 0)
    return false;
  char type = 0;
  const char* contents = nullptr;
  return sd_bus_message_peek_type(m, &type, &contents) > 0 && type == 'a'
         && contents != nullptr && std::strcmp(contents, element) == 0;
}

} // namespace

value_map decode_items_changed(sdbus::Message& msg,
                               std::vector<std::string>* odd_paths,
                               bool* bad_signature) {
  set(bad_signature, false);
  value_map values;
  auto* m = raw_message::of(msg);
  // Paths read before a failure are not trusted either: nothing is kept.
  auto bad = [&] {
    set(bad_signature, true);
    return value_map{};
  };
  try {
    if (!body_is_array_of(m, "{sa{sv}}"))
      return bad();
    std::vector<std::string> odd;
    int r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
    if (r <= 0)
      return bad();
    value x;
    while ((r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
      const char* path = nullptr;
      if (sd_bus_message_read_basic(m, 's', &path) < 0 || path == nullptr)
        return bad();
      bool found = false;
      bool is_odd = false;
      if (read_value_entry(m, x, found, &is_odd) < 0
          || sd_bus_message_exit_container(m) < 0)
        return bad();
      if (!found)
        continue;
      // The first entry of a path wins, as in a dict read into a map.
      auto [it, fresh] = values.emplace(path, std::move(x));
      if (fresh && is_odd)
        odd.push_back(it->first);
    }
    if (r < 0 || sd_bus_message_exit_container(m) < 0)
      return bad();
    if (odd_paths)
      for (auto& p : odd)
        odd_paths->push_back(std::move(p));
  } catch (...) {
    // std::bad_alloc: nothing of the body is trusted.
    return bad();
  }
  return values;
}

caf::optional<value> decode_properties_changed(sdbus::Message& msg, bool* odd,
                                               bool* bad_signature) {
  set(odd, false);
  set(bad_signature, false);
  auto* m = raw_message::of(msg);
  try {
    value x;
    bool found = false;
    bool is_odd = false;
    if (!body_is_array_of(m, "{sv}")
        || read_value_entry(m, x, found, &is_odd) < 0) {
      set(bad_signature, true);
      return caf::none;
    }
    if (!found)
      return caf::none;
    set(odd, is_odd);
    return x;
  } catch (...) {
    set(bad_signature, true);
    return caf::none;
  }
}

sdbus::PlainMessage new_plain_message() {
  return sdbus::createPlainMessage();
}

} // namespace ba
