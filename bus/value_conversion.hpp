#pragma once

// sdbus::Variant <-> ba::value. Runs on the D-Bus thread only: a Variant's
// read cursor is shared between copies, so Variants never leave this thread.

#include <map>
#include <string>
#include <vector>

#include <sdbus-c++/Message.h>
#include <sdbus-c++/Types.h>

#include "messages/value.hpp"

namespace ba {

/// Accepts every numeric wire type (y n q i u x t d, and b as 0/1) and
/// strings; any array (the Venus "invalid") and every other type become
/// invalid. `odd` is set when the type was not a Venus value type at all
/// (a struct, a dict, a non-empty array...), so the caller can log it.
value from_variant(const sdbus::Variant& v, bool* odd = nullptr);

/// Invalid -> empty `ai`, real -> d, integer -> i (x beyond int32), text -> s.
sdbus::Variant to_variant(const value& x);

/// Appends velib's `{"Value": v, "Text": s}` dict (signature `a{sv}`), the
/// value with the wire types of `to_variant`, straight into `msg` with
/// sd-bus's own calls (raw_message.hpp). Throws std::runtime_error when an
/// append fails (out of memory).
void append_item(sdbus::Message& msg, const value& x, const std::string& text);

/// One path of an ItemsChanged: pointers into the exporter's cache.
struct item_ref {
  const std::string* path;
  const value* val;
  const std::string* text;
};

/// Appends ItemsChanged's body `a{sa{sv}}`, one entry per item in order.
void append_items_changed(sdbus::Message& msg,
                          const std::vector<item_ref>& items);

/// velib's `{"Value": v, "Text": s}` dict of GetItems and ItemsChanged.
using item_dict = std::map<std::string, sdbus::Variant>;
using items_dict = std::map<std::string, item_dict>;

} // namespace ba
