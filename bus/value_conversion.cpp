#include "bus/value_conversion.hpp"

#include <cstdint>
#include <limits>
#include <vector>

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

void append_variant(sdbus::Message& msg, const value& x) {
  switch (x.kind) {
    case value_kind::real:
      msg.openVariant("d") << x.number;
      break;
    case value_kind::integer:
      if (x.number >= std::numeric_limits<int32_t>::min()
          && x.number <= std::numeric_limits<int32_t>::max())
        msg.openVariant("i") << static_cast<int32_t>(x.number);
      else
        msg.openVariant("x") << static_cast<int64_t>(x.number);
      break;
    case value_kind::text:
      msg.openVariant("s") << x.str;
      break;
    default:
      msg.openVariant("ai").openContainer("i").closeContainer();
      break;
  }
  msg.closeVariant();
}

void append_item(sdbus::Message& msg, const value& x, const std::string& text) {
  msg.openContainer("{sv}");
  msg.openDictEntry("sv") << "Value";
  append_variant(msg, x);
  msg.closeDictEntry();
  msg.openDictEntry("sv") << "Text";
  msg.openVariant("s") << text;
  msg.closeVariant();
  msg.closeDictEntry();
  msg.closeContainer();
}

} // namespace ba
