#pragma once

// /Info/ChargeLimitation and /Info/DischargeLimitation (gx-native.md section
// 3): one short text per limit naming the pack and the rule that set it, in
// the convention of dbus-serialbattery, for the people and tools that read
// it (serialbattery-aware pages, Node-RED, MQTT). Derived from the limit
// computation's own explanation, without numbers that move with every
// reading: it changes only when the deciding member or rule changes.

#include <string>
#include <vector>

#include "actors/rules/current_limits.hpp"
#include "messages/value.hpp"

namespace ba {

/// The longest text published (bytes; cut at a character boundary).
constexpr size_t max_limitation_text = 100;

/// The text for limit `kind` as computed in `res` over `ms` (the same
/// members, in the same order), into `out`. `published` is the limit as
/// published (after cclMode); `dvcc_capped`: the DVCC user limit replaced
/// the battery limit; `all_lost`: every roster member is gone. Examples:
/// `ttyUSB1: BMS limit x capacity share`, `AllowToCharge 0 on ttyUSB0`,
/// `all batteries lost`, `DVCC max charge current`.
void describe_limit(limit_kind kind, const limit_result& res,
                    const std::vector<limit_member>& ms, const value& published,
                    bool dvcc_capped, bool all_lost, std::string& out);

} // namespace ba
