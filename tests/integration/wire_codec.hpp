#pragma once

// wire_value <-> sdbus::Message, for bus_client. Replies and signals are
// walked with Message::peekType() instead of being deserialized into typed
// containers, so that the exact wire signature can be checked and no
// sdbus::Variant (whose read cursor is shared between copies) is ever
// created on the receiving side. Variants are built only for what the test
// sends, on the calling thread.

#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "tests/integration/wire_value.hpp"

namespace ba::test {

/// A reply or signal whose shape is not the one expected.
struct shape_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Type code and contents of the next element; code 0 at the end of the
/// current container (sdbus-c++ 1.2.0 maps sd-bus' NULL contents to "").
std::pair<char, std::string> peek(sdbus::Message& m);

/// True at the end of the current container.
bool at_end(sdbus::Message& m);

/// Body signature of a whole message; rewinds it afterwards.
std::string body_signature(sdbus::Message& m);

/// The variant at the cursor.
wire_value read_variant(sdbus::Message& m);

/// a{sv} at the cursor.
std::map<std::string, wire_value> read_sv_dict(sdbus::Message& m);

/// The "Value" and "Text" entries of an a{sv} item (absent when missing).
std::pair<wire_value, wire_value>
value_and_text(std::map<std::string, wire_value>& entry);

/// a{sa{sv}} at the cursor.
item_map read_items(sdbus::Message& m);

/// Throws shape_error unless the body signature of `m` is `expected`.
void require_signature(sdbus::Message& m, const std::string& expected,
                       const std::string& what);

/// Builds the Variant for a SetValue/SetItems argument. Created and
/// serialized on the calling thread only.
sdbus::Variant to_variant(const wire_value& v);

std::map<std::string, sdbus::Variant>
to_variant_dict(const std::vector<std::pair<std::string, wire_value>>& items);

} // namespace ba::test
