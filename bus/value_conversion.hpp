#pragma once

// sdbus::Variant <-> ba::value. Runs on the D-Bus thread only: a Variant's
// read cursor is shared between copies, so Variants never leave this thread.

#include <map>
#include <string>

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

/// velib's `{"Value": v, "Text": s}` dict of GetItems and ItemsChanged.
using item_dict = std::map<std::string, sdbus::Variant>;
using items_dict = std::map<std::string, item_dict>;

} // namespace ba
