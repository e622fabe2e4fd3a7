#include "bus/value_conversion.hpp"

#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <vector>

#include "bus/raw_message.hpp"

namespace ba {

value from_variant(const sdbus::Variant& v, bool* odd) {
  if (odd)
    *odd = false;
  if (v.isEmpty())
    return value::invalid();
  auto sig = v.peekValueType();
  if (sig.empty())
    return value::invalid();
  try {
    switch (sig[0]) {
      case 'd':
        if (sig.size() == 1)
          return value::real(v.get<double>());
        break;
      case 'y':
        return value::integer(v.get<uint8_t>());
      case 'n':
        return value::integer(v.get<int16_t>());
      case 'q':
        return value::integer(v.get<uint16_t>());
      case 'i':
        return value::integer(v.get<int32_t>());
      case 'u':
        return value::integer(v.get<uint32_t>());
      case 'x':
        return value::integer(v.get<int64_t>());
      case 't': {
        auto x = v.get<uint64_t>();
        if (x > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
          return value::real(static_cast<double>(x));
        return value::integer(static_cast<int64_t>(x));
      }
      case 'b':
        return value::integer(v.get<bool>() ? 1 : 0);
      case 's':
        return value::text(v.get<std::string>());
      case 'a':
        // Every Venus client treats any empty array as invalid; a non-empty
        // one is no battery value either.
        if (odd) {
          // Reading it generically is not possible in sdbus-c++ 1.2; an
          // empty `ai`/`au`/`av` is the normal invalid marker and not odd.
          *odd = !(sig == "ai" || sig == "au" || sig == "av");
          if (!*odd && sig == "ai")
            *odd = !v.get<std::vector<int32_t>>().empty();
        }
        return value::invalid();
      default:
        break;
    }
  } catch (const sdbus::Error&) {
    // A type we could not read: invalid, never an exception into the loop.
  }
  if (odd)
    *odd = true;
  return value::invalid();
}

sdbus::Variant to_variant(const value& x) {
  switch (x.kind) {
    case value_kind::real:
      return sdbus::Variant{x.number};
    case value_kind::integer: {
      if (x.number >= std::numeric_limits<int32_t>::min()
          && x.number <= std::numeric_limits<int32_t>::max())
        return sdbus::Variant{static_cast<int32_t>(x.number)};
      return sdbus::Variant{static_cast<int64_t>(x.number)};
    }
    case value_kind::text:
      return sdbus::Variant{x.str};
    default:
      return sdbus::Variant{std::vector<int32_t>{}};
  }
}

namespace {

/// An append failed: only when out of memory. Thrown into the job, which
/// reports the D-Bus side as failed (as sdbus-c++'s own error did).
void check(int r) {
  if (r < 0)
    throw std::runtime_error(std::string{"cannot build a signal: "}
                             + std::strerror(-r));
}

void append_variant(sd_bus_message* m, const value& x) {
  switch (x.kind) {
    case value_kind::real:
      check(sd_bus_message_open_container(m, 'v', "d"));
      check(sd_bus_message_append_basic(m, 'd', &x.number));
      break;
    case value_kind::integer:
      if (x.number >= std::numeric_limits<int32_t>::min()
          && x.number <= std::numeric_limits<int32_t>::max()) {
        auto n = static_cast<int32_t>(x.number);
        check(sd_bus_message_open_container(m, 'v', "i"));
        check(sd_bus_message_append_basic(m, 'i', &n));
      } else {
        auto n = static_cast<int64_t>(x.number);
        check(sd_bus_message_open_container(m, 'v', "x"));
        check(sd_bus_message_append_basic(m, 'x', &n));
      }
      break;
    case value_kind::text:
      check(sd_bus_message_open_container(m, 'v', "s"));
      check(sd_bus_message_append_basic(m, 's', x.str.c_str()));
      break;
    default:
      // Invalid: the empty `ai` every Venus client reads as such.
      check(sd_bus_message_open_container(m, 'v', "ai"));
      check(sd_bus_message_open_container(m, 'a', "i"));
      check(sd_bus_message_close_container(m));
      break;
  }
  check(sd_bus_message_close_container(m));
}

} // namespace

void append_item(sdbus::Message& msg, const value& x, const std::string& text) {
  auto* m = raw_message::of(msg);
  check(sd_bus_message_open_container(m, 'a', "{sv}"));
  check(sd_bus_message_open_container(m, 'e', "sv"));
  check(sd_bus_message_append_basic(m, 's', "Value"));
  append_variant(m, x);
  check(sd_bus_message_close_container(m));
  check(sd_bus_message_open_container(m, 'e', "sv"));
  check(sd_bus_message_append_basic(m, 's', "Text"));
  check(sd_bus_message_open_container(m, 'v', "s"));
  check(sd_bus_message_append_basic(m, 's', text.c_str()));
  check(sd_bus_message_close_container(m));
  check(sd_bus_message_close_container(m));
  check(sd_bus_message_close_container(m));
}

void append_items_changed(sdbus::Message& msg,
                          const std::vector<item_ref>& items) {
  auto* m = raw_message::of(msg);
  check(sd_bus_message_open_container(m, 'a', "{sa{sv}}"));
  for (auto& i : items) {
    check(sd_bus_message_open_container(m, 'e', "sa{sv}"));
    check(sd_bus_message_append_basic(m, 's', i.path->c_str()));
    append_item(msg, *i.val, *i.text);
    check(sd_bus_message_close_container(m));
  }
  check(sd_bus_message_close_container(m));
}

} // namespace ba
