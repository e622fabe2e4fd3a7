#pragma once

// Decoding of the two value signals of com.victronenergy.BusItem
// (venus-dbus.md 1.5) from a raw sdbus::Message, factored out of the
// watcher so that the fuzzer (tests/fuzz/value_decode_fuzz.cpp) and the
// unit tests reach exactly the code the daemon runs. Runs on the D-Bus
// thread only (sdbus::Variant is not thread-safe, caf-sdbus-notes 8.12).
//
// Both decoders never throw and never crash, whatever the message holds:
// another service's bad signal must not kill the bus thread (product.md 5).
// Both read the body from its start (they rewind the message first), so a
// message may be decoded more than once.

#include <string>
#include <vector>

#include <caf/optional.hpp>
#include <sdbus-c++/Message.h>

#include "messages/value.hpp"

namespace ba {

/// ItemsChanged on `/`: body `a{sa{sv}}`, `{path: {"Value": v, "Text": s}}`.
/// Returns path -> its "Value" through `from_variant`: every numeric wire
/// type a number, `s` a text, any array invalid. An entry without "Value"
/// (only Text, Min, Max...) is skipped: it says nothing about the value.
/// Paths whose Value is no Venus value type at all (a struct, a dict, a
/// non-empty array, a nested variant, an object path...) still come back
/// as invalid and are appended to `*odd_paths` (when not null), so that the
/// caller can log them once per source and path.
/// A body that is not `a{sa{sv}}` (and an unsealed or empty message) gives
/// {} and sets `*bad_signature` (when not null); extra arguments after the
/// dict are ignored.
value_map decode_items_changed(sdbus::Message& msg,
                               std::vector<std::string>* odd_paths,
                               bool* bad_signature = nullptr);

/// PropertiesChanged on a leaf path: body `a{sv}`, `{"Value": v, "Text":
/// s}`. Returns the "Value" through `from_variant`, and sets `*odd` (when
/// not null) as `from_variant` does. Returns none without "Value", and
/// none with `*bad_signature` set (when not null) for a body that is not
/// `a{sv}`; `*odd` stays false then: the value's type is unknown, not odd.
caf::optional<value> decode_properties_changed(sdbus::Message& msg, bool* odd,
                                               bool* bad_signature = nullptr);

/// A message bound to no bus, as sdbus::Variant makes internally: for
/// building signal bodies in tests and the fuzzer. sdbus-c++ 1.2.0 exports
/// `sdbus::createPlainMessage()` without declaring it in a public header;
/// this keeps that declaration in one place.
sdbus::PlainMessage new_plain_message();

} // namespace ba
