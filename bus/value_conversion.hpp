#pragma once

// sdbus::Variant <-> ba::value. Runs on the D-Bus thread only: a Variant's
// read cursor is shared between copies, so Variants never leave this thread.

#include <map>
#include <string>

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

/// Appends `x` as a variant, with the wire types of `to_variant`, straight
/// into `msg` (no sdbus::Variant temporary: each is a message of its own,
/// and copying it into the signal was the costliest part of publishing).
void append_variant(sdbus::Message& msg, const value& x);

/// Appends velib's `{"Value": v, "Text": s}` dict (signature `a{sv}`).
void append_item(sdbus::Message& msg, const value& x, const std::string& text);

/// velib's `{"Value": v, "Text": s}` dict of GetItems and ItemsChanged.
using item_dict = std::map<std::string, sdbus::Variant>;
using items_dict = std::map<std::string, item_dict>;

} // namespace ba
