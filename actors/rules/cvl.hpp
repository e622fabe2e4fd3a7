#pragma once

// Pure rule of the bank's charge voltage limit, CVL `/Info/MaxChargeVoltage`
// (product.md section 2.4). No actors, no bus: the caller passes the members
// that count (online or inside their grace time) and the bank-level inputs
// it has already aggregated.

#include <string>
#include <vector>

#include "actors/rules/parallel_rules.hpp"
#include "messages/config.hpp"
#include "messages/value.hpp"

namespace ba {

/// Whether a charge-mode text means "floating": it contains "float",
/// case-insensitive (`Float`, `Float Transition`, `float`).
bool is_float_mode(const std::string& mode);

/// The bank CVL in V, unrounded (the publisher rounds to 0.01 V), or invalid.
///
/// - Only a member CVL that is a finite number > 0 counts: 0 V or a negative
///   voltage is "no limit", never a limit to take the min of.
/// - Float filter: while some member that publishes a CVL still charges (its
///   `/Info/ChargeMode` is a non-empty text without "float"), members whose
///   mode contains "float" are left out. A member without a charge mode
///   (missing, invalid, empty, or a number) is never left out.
/// - Operator by `mode`: `max_when_balancing` max while `bank_balancing`,
///   else min; `min_when_balancing` min; `max_always` max;
///   `max_when_floating` max while `bank_charge_mode` is `Float`
///   (case-insensitive, exactly; `Float Transition` is not), else min;
///   `dvcc` the user limit when `dvcc_on` and `dvcc_max_charge_voltage` > 0,
///   else as `max_when_balancing` (never 0 V).
/// - With `dvcc_on` and a user limit > 0 the result is capped at it.
/// - Invalid when no member publishes a usable CVL, in every mode (`dvcc`
///   included): a bank that no BMS limits must not become the DVCC
///   controlling BMS on the strength of a user setting alone.
///
/// `dvcc_max_charge_voltage` is `/Settings/SystemSetup/MaxChargeVoltage`
/// (0 = none; negative or non-finite also count as none).
value compute_cvl(const member_list& members, cvl_mode mode,
                  bool bank_balancing, const std::string& bank_charge_mode,
                  bool dvcc_on, double dvcc_max_charge_voltage);

} // namespace ba
