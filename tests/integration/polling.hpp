#pragma once

// Poll-then-check helpers the suites share. The daemon publishes on its own
// schedule, so a check of a published value first polls until the value is
// what the test expects or the deadline passes, then checks what it saw
// last: a failure prints the value the daemon really published.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tests/integration/bus_client.hpp"
#include "tests/integration/require.hpp"
#include "tests/integration/wait.hpp"
#include "tests/integration/wire_value.hpp"

namespace ba::test {

using value_pred = std::function<bool(const wire_value&)>;
value_pred equals(wire_value expected);
/// A `d` value close to `expected` (see close_to_d).
value_pred near_d(double expected);

/// Polls GetValue of `path` until `pred` holds or `timeout` passes; returns
/// the last value read (absent while the call fails), so that the caller's
/// check prints what was seen.
wire_value poll_value(bus_client& client, const std::string& service,
                      const std::string& path, const value_pred& pred,
                      clock_type::duration timeout = eventually);

/// Polls `service`'s /System/NrOfBatteries until it is `n`, and checks it.
void check_count(bus_client& c, const std::string& service, int32_t n);

/// Polls a `d` path until it is `expected`, and checks it (with a message
/// naming service, path and value when it is not).
void check_d(bus_client& c, const std::string& service, const std::string& path,
             double expected);

/// Polls `service`'s /System/Batteries until it lists exactly `expected`
/// (in any order: the contract does not fix it), and checks it; the check
/// prints the list seen last, sorted.
void check_batteries(bus_client& c, const std::string& service,
                     const std::vector<std::string>& expected);

/// Waits until the aggregate counts `n` members whose currents sum to
/// `current`; ends the scenario (BA_REQUIRE) when it does not.
void require_bank(bus_client& c, int32_t n, double current);

/// Waits until every name in `names` has an owner; the names still missing
/// at the deadline are reported.
bool wait_for_services(bus_client& c, const std::vector<std::string>& names,
                       clock_type::duration timeout);

/// A mark taken once the claims of `names` have been recorded, so that
/// "no NameOwnerChanged since" is not fooled by the claim itself arriving
/// late on the client's loop thread.
uint64_t mark_after_claims(bus_client& c,
                           const std::vector<std::string>& names);

/// True when `name` saw no NameOwnerChanged since `since` (each one seen is
/// reported).
bool no_owner_change(bus_client& c, const std::string& name, uint64_t since);

} // namespace ba::test
