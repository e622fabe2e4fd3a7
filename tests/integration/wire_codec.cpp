#include "tests/integration/wire_codec.hpp"

#include <cstdint>

#include "tests/integration/text.hpp"

namespace ba::test {

/// Type code and contents of the next element; code 0 at the end of the
/// current container (sdbus-c++ 1.2.0 maps sd-bus' NULL contents to "").
std::pair<char, std::string> peek(sdbus::Message& m) {
  std::string type;
  std::string contents;
  m.peekType(type, contents);
  return {type.empty() ? '\0' : type[0], contents};
}

bool at_end(sdbus::Message& m) {
  return peek(m).first == '\0';
}

namespace {

/// Full signature of the next element, "" at the end.
std::string next_signature(sdbus::Message& m) {
  auto [code, contents] = peek(m);
  switch (code) {
    case '\0':
      return "";
    case 'a':
      return "a" + contents;
    case 'v':
      return "v";
    case 'r':
      return "(" + contents + ")";
    case 'e':
      return "{" + contents + "}";
    default:
      return std::string(1, code);
  }
}

template <class T>
std::string read_number(sdbus::Message& m) {
  T x{};
  m >> x;
  return std::to_string(x);
}

/// Reads the next element of any type and renders it (used for values that
/// are not Venus values, and to step over unknown content).
std::string render_next(sdbus::Message& m) {
  auto [code, contents] = peek(m);
  std::string out;
  switch (code) {
    case 'a':
      m.enterContainer(contents);
      out = "[";
      for (bool first = true; !at_end(m); first = false)
        out += (first ? "" : ", ") + render_next(m);
      m.exitContainer();
      return out + "]";
    case 'v':
      m.enterVariant(contents);
      out = "<" + contents + " " + render_next(m) + ">";
      m.exitVariant();
      return out;
    case 'r':
      m.enterStruct(contents);
      out = "(";
      for (bool first = true; !at_end(m); first = false)
        out += (first ? "" : ", ") + render_next(m);
      m.exitStruct();
      return out + ")";
    case 'e':
      m.enterDictEntry(contents);
      out = render_next(m);
      out += ": " + render_next(m);
      m.exitDictEntry();
      return out;
    case 'y': {
      uint8_t x = 0;
      m >> x;
      return std::to_string(x);
    }
    case 'b': {
      bool x = false;
      m >> x;
      return x ? "true" : "false";
    }
    case 'n':
      return read_number<int16_t>(m);
    case 'q':
      return read_number<uint16_t>(m);
    case 'i':
      return read_number<int32_t>(m);
    case 'u':
      return read_number<uint32_t>(m);
    case 'x':
      return read_number<int64_t>(m);
    case 't':
      return read_number<uint64_t>(m);
    case 'd': {
      double x = 0;
      m >> x;
      return format_double(x);
    }
    case 's': {
      std::string x;
      m >> x;
      return "\"" + x + "\"";
    }
    case 'o': {
      sdbus::ObjectPath x;
      m >> x;
      return x;
    }
    case 'g': {
      sdbus::Signature x;
      m >> x;
      return x;
    }
    case 'h': {
      sdbus::UnixFd x;
      m >> x;
      return "<fd>";
    }
    default:
      throw shape_error(std::string{"unexpected end of message or type '"}
                        + code + "'");
  }
}

/// Reads the value inside a variant whose contents signature is `sig`.
wire_value read_plain(sdbus::Message& m, const std::string& sig) {
  wire_value w;
  w.signature = sig;
  switch (sig.empty() ? '\0' : sig[0]) {
    case 'a':
      m.enterContainer(sig.substr(1));
      if (at_end(m)) {
        w.payload = invalid_t{};
      } else {
        std::string text = "[";
        for (bool first = true; !at_end(m); first = false)
          text += (first ? "" : ", ") + render_next(m);
        w.payload = text + "]";
      }
      m.exitContainer();
      return w;
    case 'd': {
      double x = 0;
      m >> x;
      w.payload = x;
      return w;
    }
    case 'y': {
      uint8_t x = 0;
      m >> x;
      w.payload = uint64_t{x};
      return w;
    }
    case 'q': {
      uint16_t x = 0;
      m >> x;
      w.payload = uint64_t{x};
      return w;
    }
    case 'u': {
      uint32_t x = 0;
      m >> x;
      w.payload = uint64_t{x};
      return w;
    }
    case 't': {
      uint64_t x = 0;
      m >> x;
      w.payload = x;
      return w;
    }
    case 'n': {
      int16_t x = 0;
      m >> x;
      w.payload = int64_t{x};
      return w;
    }
    case 'i': {
      int32_t x = 0;
      m >> x;
      w.payload = int64_t{x};
      return w;
    }
    case 'x': {
      int64_t x = 0;
      m >> x;
      w.payload = x;
      return w;
    }
    case 'b': {
      bool x = false;
      m >> x;
      w.payload = x;
      return w;
    }
    case 's': {
      std::string x;
      m >> x;
      w.payload = std::move(x);
      return w;
    }
    default:
      w.payload = render_next(m);
      return w;
  }
}

} // namespace

/// Body signature of a whole message; rewinds it afterwards.
std::string body_signature(sdbus::Message& m) {
  std::string sig;
  for (auto next = next_signature(m); !next.empty(); next = next_signature(m)) {
    sig += next;
    render_next(m);
  }
  m.rewind(true);
  return sig;
}

wire_value read_variant(sdbus::Message& m) {
  auto [code, contents] = peek(m);
  if (code != 'v')
    throw shape_error("expected a variant, found '" + next_signature(m) + "'");
  m.enterVariant(contents);
  auto result = read_plain(m, contents);
  m.exitVariant();
  return result;
}

/// a{sv} at the cursor.
std::map<std::string, wire_value> read_sv_dict(sdbus::Message& m) {
  std::map<std::string, wire_value> result;
  m.enterContainer("{sv}");
  while (!at_end(m)) {
    m.enterDictEntry("sv");
    std::string key;
    m >> key;
    result[key] = read_variant(m);
    m.exitDictEntry();
  }
  m.exitContainer();
  return result;
}

std::pair<wire_value, wire_value>
value_and_text(std::map<std::string, wire_value>& entry) {
  return {entry["Value"], entry["Text"]};
}

/// a{sa{sv}} at the cursor.
item_map read_items(sdbus::Message& m) {
  item_map result;
  m.enterContainer("{sa{sv}}");
  while (!at_end(m)) {
    m.enterDictEntry("sa{sv}");
    std::string path;
    m >> path;
    auto entry = read_sv_dict(m);
    result[path] = value_and_text(entry);
    m.exitDictEntry();
  }
  m.exitContainer();
  return result;
}

void require_signature(sdbus::Message& m, const std::string& expected,
                       const std::string& what) {
  auto sig = body_signature(m);
  if (sig != expected)
    throw shape_error(what + ": reply signature '" + sig + "', expected '"
                      + expected + "'");
}

/// Builds the Variant for a SetValue/SetItems argument. Created and
/// serialized on the calling thread only.
sdbus::Variant to_variant(const wire_value& v) {
  auto as_int = [&]() -> int64_t {
    if (auto p = std::get_if<int64_t>(&v.payload))
      return *p;
    if (auto p = std::get_if<uint64_t>(&v.payload))
      return static_cast<int64_t>(*p);
    if (auto p = std::get_if<bool>(&v.payload))
      return *p ? 1 : 0;
    if (auto p = std::get_if<double>(&v.payload))
      return static_cast<int64_t>(*p);
    throw std::invalid_argument("no integer payload in " + to_string(v));
  };
  if (v.is_invalid()) {
    if (v.signature == "ai")
      return sdbus::Variant(std::vector<int32_t>{});
    if (v.signature == "au")
      return sdbus::Variant(std::vector<uint32_t>{});
    if (v.signature == "ad")
      return sdbus::Variant(std::vector<double>{});
    if (v.signature == "as")
      return sdbus::Variant(std::vector<std::string>{});
    if (v.signature == "av")
      return sdbus::Variant(std::vector<sdbus::Variant>{});
    throw std::invalid_argument("cannot send " + to_string(v));
  }
  const auto& sig = v.signature;
  if (sig == "d") {
    auto x = v.number();
    if (!x)
      throw std::invalid_argument("no number in " + to_string(v));
    return sdbus::Variant(*x);
  }
  if (sig == "s")
    return sdbus::Variant(v.text().value_or(""));
  if (sig == "i")
    return sdbus::Variant(static_cast<int32_t>(as_int()));
  if (sig == "u")
    return sdbus::Variant(static_cast<uint32_t>(as_int()));
  if (sig == "x")
    return sdbus::Variant(static_cast<int64_t>(as_int()));
  if (sig == "t")
    return sdbus::Variant(static_cast<uint64_t>(as_int()));
  if (sig == "n")
    return sdbus::Variant(static_cast<int16_t>(as_int()));
  if (sig == "q")
    return sdbus::Variant(static_cast<uint16_t>(as_int()));
  if (sig == "y")
    return sdbus::Variant(static_cast<uint8_t>(as_int()));
  if (sig == "b")
    return sdbus::Variant(as_int() != 0);
  throw std::invalid_argument("cannot send " + to_string(v));
}

std::map<std::string, sdbus::Variant>
to_variant_dict(const std::vector<std::pair<std::string, wire_value>>& items) {
  std::map<std::string, sdbus::Variant> dict;
  for (const auto& [path, value] : items)
    dict.emplace(path, to_variant(value));
  return dict;
}

} // namespace ba::test
