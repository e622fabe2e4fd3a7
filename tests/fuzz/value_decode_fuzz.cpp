// libFuzzer target: D-Bus value decoding (bus/signal_decode, bus/
// value_conversion) against whatever a service may put on the bus.
//
// The input bytes are a small program that builds a message body with
// sdbus-c++ 1.2.0, the way a sender's sd-bus would: ItemsChanged-shaped and
// PropertiesChanged-shaped dicts whose "Value" variants hold every basic
// type, arrays (empty `ai` included), dicts, structs and nested variants;
// bodies of random signature; and raw open/append/close operations that may
// break the container rules (`a{sv}` where `a{sa{sv}}` is expected, a
// string where a variant is due...). The body is sealed and rewound, then
// both decoders run, and `from_variant` runs on every variant the message
// holds at any depth. Nothing may throw out of them or crash.
//
// Build (clang only), from the source root:
//   clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -I.
//     -I<build>/generated bus/value_conversion.cpp bus/signal_decode.cpp
//     messages/value.cpp tests/fuzz/value_decode_fuzz.cpp
//     -lsdbus-c++ -lcaf_core -o value_fuzz
// Run: ./value_fuzz -max_total_time=30 -rss_limit_mb=2048 CORPUS_DIR

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <sdbus-c++/Error.h>
#include <sdbus-c++/Message.h>
#include <sdbus-c++/Types.h>

#include "bus/signal_decode.hpp"
#include "bus/value_conversion.hpp"

namespace {

// Bounds that keep one input fast: D-Bus itself allows 64 nested containers,
// sd-bus checks that; we only need a few levels to reach every branch.
constexpr int max_depth = 5;
constexpr unsigned max_elements = 4;
constexpr int max_ops = 64;
constexpr int max_variant_passes = 8;
constexpr int walk_budget = 4096;

// Reads the program. Past its end every read gives 0, which always picks
// the shortest choice (no elements, type `y`), so every program ends.
class program {
 public:
  program(const uint8_t* data, size_t size) : p_(data), end_(data + size) {
    // nop
  }

  bool done() const {
    return p_ >= end_;
  }

  uint8_t byte() {
    return p_ < end_ ? *p_++ : 0;
  }

  template <class T>
  T raw() {
    T x{};
    uint8_t buf[sizeof(T)] = {};
    for (auto& b : buf)
      b = byte();
    std::memcpy(&x, buf, sizeof(T));
    return x;
  }

  unsigned count() {
    return byte() % (max_elements + 1);
  }

  // Mostly printable ASCII, so that sd-bus accepts it as UTF-8; a leading
  // 0xff byte keeps the raw bytes (invalid UTF-8, embedded NULs) to reach
  // sd-bus's refusals too.
  std::string str() {
    bool keep_raw = byte() == 0xff;
    unsigned n = byte() % 12u;
    std::string s;
    for (unsigned i = 0; i < n; ++i) {
      auto c = byte();
      s.push_back(keep_raw ? static_cast<char>(c)
                           : static_cast<char>(0x20 + c % 0x5f));
    }
    return s;
  }

  template <size_t N>
  const char* pick(const char* const (&choices)[N]) {
    return choices[byte() % N];
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

const char* const paths[]
    = {"/Soc", "/Dc/0/Voltage", "/Connected", "/CustomName", "/",
       "",     "Value",         "/Alarms/x"};
const char* const item_keys[]
    = {"Value", "Text", "Min", "Max", "Default", "value", ""};
const char* const object_paths[]
    = {"/", "/Dc/0/Voltage", "/a/b_c", "bad", "//", "/x/"};
const char* const signatures[]
    = {"", "ai", "a{sv}", "a{sa{sv}}", "v", "(id)", "a(", "{sv}", "z"};
// Value types that matter to Venus decoding, beside a random one.
const char* const value_types[]
    = {"y",  "n",     "q",         "i",    "u",    "x",  "t",  "d",
       "b",  "s",     "o",         "g",    "ai",   "au", "av", "ad",
       "as", "a{sv}", "a{sa{sv}}", "(id)", "(sv)", "v",  "ay", "aai"};
// Container signatures for raw operations, valid and not.
const char* const raw_signatures[] = {
    "{sa{sv}}", "sa{sv}", "{sv}", "sv", "i", "d",  "s",    "v",    "ai",
    "a{sv}",    "id",     "{s",   "",   "a", "(i", "{ii}", "{vs}", "{sa{sv}"};

const char basic_types[]
    = {'y', 'n', 'q', 'i', 'u', 'x', 't', 'd', 'b', 's', 'o', 'g'};

bool is_basic(char c) {
  return std::memchr(basic_types, c, sizeof(basic_types)) != nullptr;
}

// End of the single complete type starting at `pos` of a signature this
// file generated (so it is well formed).
size_t type_end(const std::string& sig, size_t pos) {
  if (pos >= sig.size())
    return sig.size();
  char c = sig[pos];
  if (c == 'a')
    return type_end(sig, pos + 1);
  if (c == '(' || c == '{') {
    char close = c == '(' ? ')' : '}';
    ++pos;
    while (pos < sig.size() && sig[pos] != close)
      pos = type_end(sig, pos);
    return pos + 1;
  }
  return pos + 1;
}

std::string gen_type(program& prog, int depth);

std::string gen_basic_type(program& prog) {
  return std::string(1, basic_types[prog.byte() % sizeof(basic_types)]);
}

std::string gen_type(program& prog, int depth) {
  auto choice = prog.byte() % 16;
  if (depth >= max_depth || choice < 9)
    return gen_basic_type(prog);
  switch (choice) {
    case 9:
    case 10:
      return "a" + gen_type(prog, depth + 1);
    case 11:
      return "a{" + gen_basic_type(prog) + gen_type(prog, depth + 1) + "}";
    case 12: {
      std::string s = "(";
      unsigned n = 1 + prog.byte() % 3u;
      for (unsigned i = 0; i < n; ++i)
        s += gen_type(prog, depth + 1);
      return s + ")";
    }
    case 13:
      return prog.pick(value_types);
    default:
      return "v";
  }
}

void gen_value(program& prog, sdbus::Message& m, const std::string& sig,
               int depth);

void gen_basic(program& prog, sdbus::Message& m, char type) {
  switch (type) {
    case 'y':
      m << prog.raw<uint8_t>();
      break;
    case 'n':
      m << prog.raw<int16_t>();
      break;
    case 'q':
      m << prog.raw<uint16_t>();
      break;
    case 'i':
      m << prog.raw<int32_t>();
      break;
    case 'u':
      m << prog.raw<uint32_t>();
      break;
    case 'x':
      m << prog.raw<int64_t>();
      break;
    case 't':
      m << prog.raw<uint64_t>();
      break;
    case 'd':
      // Raw bits: NaN payloads, infinities, denormals, -0.0.
      m << prog.raw<double>();
      break;
    case 'b':
      m << (prog.byte() % 2 == 1);
      break;
    case 's':
      m << prog.str();
      break;
    case 'o':
      m << sdbus::ObjectPath{prog.byte() % 4 == 3 ? prog.str()
                                                  : prog.pick(object_paths)};
      break;
    case 'g':
      m << sdbus::Signature{prog.byte() % 4 == 3 ? prog.str()
                                                 : prog.pick(signatures)};
      break;
    default:
      break;
  }
}

// Appends a value of the single complete type `sig`.
void gen_value(program& prog, sdbus::Message& m, const std::string& sig,
               int depth) {
  if (sig.empty())
    return;
  char c = sig[0];
  if (is_basic(c)) {
    gen_basic(prog, m, c);
    return;
  }
  if (c == 'v') {
    // The variant's content: mostly Venus value types, sometimes anything.
    std::string inner = prog.byte() % 2 == 0 ? prog.pick(value_types)
                                             : gen_type(prog, depth + 1);
    if (depth >= max_depth && !is_basic(inner[0]))
      inner = "ai";
    m.openVariant(inner);
    gen_value(prog, m, inner, depth + 1);
    m.closeVariant();
    return;
  }
  if (c == 'a') {
    auto element = sig.substr(1);
    // Empty arrays (the Venus invalid marker) come up often on purpose.
    auto n = depth >= max_depth ? 0u : prog.count();
    m.openContainer(element);
    for (unsigned i = 0; i < n; ++i) {
      if (element[0] == '{') {
        auto inner = element.substr(1, element.size() - 2);
        m.openDictEntry(inner);
        auto key_end = type_end(inner, 0);
        gen_value(prog, m, inner.substr(0, key_end), depth + 1);
        gen_value(prog, m, inner.substr(key_end), depth + 1);
        m.closeDictEntry();
      } else {
        gen_value(prog, m, element, depth + 1);
      }
    }
    m.closeContainer();
    return;
  }
  if (c == '(') {
    auto inner = sig.substr(1, sig.size() - 2);
    m.openStruct(inner);
    for (size_t pos = 0; pos < inner.size();) {
      auto end = type_end(inner, pos);
      gen_value(prog, m, inner.substr(pos, end - pos), depth + 1);
      pos = end;
    }
    m.closeStruct();
  }
}

std::string path_key(program& prog) {
  return prog.byte() % 8 == 7 ? prog.str() : prog.pick(paths);
}

std::string item_key(program& prog) {
  return prog.byte() % 8 == 7 ? prog.str() : prog.pick(item_keys);
}

// `{"Value": v, "Text": v...}` as a{sv}.
void gen_item_dict(program& prog, sdbus::Message& m) {
  auto n = prog.count();
  m.openContainer("{sv}");
  for (unsigned i = 0; i < n; ++i) {
    m.openDictEntry("sv");
    m << item_key(prog);
    gen_value(prog, m, "v", 1);
    m.closeDictEntry();
  }
  m.closeContainer();
}

// ItemsChanged-shaped: a{sa{sv}}.
void gen_items(program& prog, sdbus::Message& m) {
  auto n = prog.count();
  m.openContainer("{sa{sv}}");
  for (unsigned i = 0; i < n; ++i) {
    m.openDictEntry("sa{sv}");
    m << path_key(prog);
    gen_item_dict(prog, m);
    m.closeDictEntry();
  }
  m.closeContainer();
}

// One operation that need not respect the container rules; sd-bus refuses
// what is wrong (an sdbus::Error) and may poison the message.
void raw_op(program& prog, sdbus::Message& m, int& open) {
  switch (prog.byte() % 8) {
    case 0:
      m.openContainer(prog.pick(raw_signatures));
      ++open;
      break;
    case 1:
      m.openDictEntry(prog.pick(raw_signatures));
      ++open;
      break;
    case 2:
      m.openVariant(prog.pick(raw_signatures));
      ++open;
      break;
    case 3:
      m.openStruct(prog.pick(raw_signatures));
      ++open;
      break;
    case 4:
      if (open > 0) {
        // The close call fits any container in sdbus-c++ 1.2.0.
        m.closeContainer();
        --open;
      }
      break;
    default:
      gen_basic(prog, m, basic_types[prog.byte() % sizeof(basic_types)]);
      break;
  }
}

// Builds the body; stops at the first operation sd-bus refuses, then closes
// what is still open so that a well-formed prefix can still be sealed.
void build(program& prog, sdbus::Message& m) {
  int open = 0;
  try {
    for (int op = 0; op < max_ops && !prog.done(); ++op) {
      switch (prog.byte() % 6) {
        case 0:
        case 1:
          gen_items(prog, m);
          break;
        case 2:
          gen_item_dict(prog, m);
          break;
        case 3:
          gen_value(prog, m, gen_type(prog, 0), 0);
          break;
        case 4:
          gen_value(prog, m, "v", 0);
          break;
        default:
          raw_op(prog, m, open);
          break;
      }
    }
  } catch (const sdbus::Error&) {
    // Refused by sd-bus: seal what is there, if it can be sealed.
  }
  try {
    for (; open > 0; --open)
      m.closeContainer();
  } catch (const sdbus::Error&) {
    // An incomplete struct or variant cannot be closed; sealing fails then.
  }
}

void use(const ba::value& v) {
  // Everything the rules and the publisher will do with a value.
  (void)v.num();
  (void)ba::to_string(v);
  auto back = ba::to_variant(v);
  (void)ba::from_variant(back);
}

// Reads every element; at variant nesting level `read_level` each variant
// is read as an sdbus::Variant and converted, shallower ones are entered.
// Returns the deepest variant level seen.
int walk(sdbus::Message& m, int depth, int read_level, int variant_level,
         int& budget) {
  int deepest = -1;
  while (budget-- > 0) {
    std::string type;
    std::string contents;
    m.peekType(type, contents);
    if (type.empty() || type[0] == '\0')
      return deepest;
    switch (type[0]) {
      case 'v':
        deepest = std::max(deepest, variant_level);
        if (variant_level >= read_level) {
          sdbus::Variant v;
          m >> v;
          bool odd = false;
          use(ba::from_variant(v, &odd));
          // A Variant shares one read cursor between its readers: read it
          // twice, as the watcher's copies may be.
          use(ba::from_variant(v));
        } else {
          m.enterVariant(contents);
          deepest = std::max(deepest, walk(m, depth + 1, read_level,
                                           variant_level + 1, budget));
          m.exitVariant();
        }
        break;
      case 'a':
        m.enterContainer(contents);
        deepest = std::max(
            deepest, walk(m, depth + 1, read_level, variant_level, budget));
        m.exitContainer();
        break;
      case 'e':
        m.enterDictEntry(contents);
        deepest = std::max(
            deepest, walk(m, depth + 1, read_level, variant_level, budget));
        m.exitDictEntry();
        break;
      case 'r':
        m.enterStruct(contents);
        deepest = std::max(
            deepest, walk(m, depth + 1, read_level, variant_level, budget));
        m.exitStruct();
        break;
      case 'y': {
        uint8_t x;
        m >> x;
        break;
      }
      case 'n': {
        int16_t x;
        m >> x;
        break;
      }
      case 'q': {
        uint16_t x;
        m >> x;
        break;
      }
      case 'i': {
        int32_t x;
        m >> x;
        break;
      }
      case 'u': {
        uint32_t x;
        m >> x;
        break;
      }
      case 'x': {
        int64_t x;
        m >> x;
        break;
      }
      case 't': {
        uint64_t x;
        m >> x;
        break;
      }
      case 'd': {
        double x;
        m >> x;
        break;
      }
      case 'b': {
        bool x;
        m >> x;
        break;
      }
      case 's': {
        std::string x;
        m >> x;
        break;
      }
      case 'o': {
        sdbus::ObjectPath x;
        m >> x;
        break;
      }
      case 'g': {
        sdbus::Signature x;
        m >> x;
        break;
      }
      default:
        // 'h' (no fds in a plain message) or something unknown: stop.
        return deepest;
    }
  }
  return deepest;
}

void check_decoders(sdbus::Message& m) {
  std::vector<std::string> odd_paths;
  bool bad = false;
  auto items = ba::decode_items_changed(m, &odd_paths, &bad);
  for (auto& [path, v] : items)
    use(v);
  // Odd paths are a subset of the decoded ones, and a bad body decodes to
  // nothing: the watcher relies on both.
  for (auto& path : odd_paths)
    if (items.count(path) == 0)
      __builtin_trap();
  if (bad && !items.empty())
    __builtin_trap();
  bool odd = false;
  auto prop = ba::decode_properties_changed(m, &odd, &bad);
  if (prop)
    use(*prop);
  if (bad && (prop || odd))
    __builtin_trap();
  // Twice, and through null out parameters: decoding rewinds first.
  auto again = ba::decode_items_changed(m, nullptr, nullptr);
  if (again != items)
    __builtin_trap();
  (void)ba::decode_properties_changed(m, nullptr, nullptr);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  program prog{data, size};
  auto msg = ba::new_plain_message();
  build(prog, msg);
  try {
    msg.seal();
  } catch (const sdbus::Error&) {
    // Not a complete body (open container, poisoned message). The decoders
    // must still cope with it: they may be handed anything.
    check_decoders(msg);
    return 0;
  }
  check_decoders(msg);
  // Every variant at every depth, one nesting level per pass.
  int deepest = 0;
  for (int level = 0; level <= deepest && level < max_variant_passes; ++level) {
    int budget = walk_budget;
    try {
      msg.rewind(true);
      msg.clearFlags();
      deepest = std::max(deepest, walk(msg, 0, level, 0, budget));
    } catch (const sdbus::Error&) {
      // The walk reads by the message's own signature, so sd-bus should
      // not refuse it; if it does, that is sd-bus's business, not a crash.
    }
  }
  return 0;
}
